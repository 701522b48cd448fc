using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Secrets;

/// <summary>
/// No credential in Git, and every ExternalSecret has a store to read from. The incidents this
/// exists for: a Talos secrets bundle, a kubeconfig, a talosconfig and the 1Password Connect
/// credentials JSON were committed and had to be purged from history.
/// </summary>
public sealed class SecretRules : IRuleSet
{
    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new("secrets/plaintext", Severity.Error, "A credential in a file Git tracks or would commit: Secret data, private key, token, Talos secrets bundle, kubeconfig/talosconfig key, 1Password Connect credentials."),
        new("secrets/store-missing", Severity.Error, "An ExternalSecret names a SecretStore or ClusterSecretStore that does not exist."),
        new(SopsUnencrypted, Severity.Error, "A Secret in a file .sops.yaml says must be encrypted is not, or an encrypted Secret has plain values next to encrypted ones."),
        new(SopsInvalid, Severity.Error, "A SOPS-encrypted document or .sops.yaml that sops cannot use: no mac or recipients, malformed ENC[...] values, an unreadable creation rule."),
    ];

    public const string SopsUnencrypted = "secrets/sops-unencrypted";
    public const string SopsInvalid = "secrets/sops-invalid";

    private static readonly Dictionary<string, string> Explanations = new(StringComparer.Ordinal)
    {
        ["pem-private-key"] = "a PEM private key",
        ["base64-pem"] = "a base64-encoded PEM block (certificate or key data)",
        ["talos-secrets-bundle"] = "a Talos secrets bundle (bootstrap token, secretbox key or trustd token)",
        ["kubeconfig-client-key"] = "a kubeconfig client key",
        ["kubeconfig-credentials"] = "a kubeconfig with user credentials",
        ["talosconfig-key"] = "a talosconfig with its client key",
        ["1password-credentials"] = "1Password Connect credentials (1password-credentials.json)",
        ["github-token"] = "a GitHub token",
        ["slack-token"] = "a Slack token",
        ["aws-access-key"] = "an AWS access key",
        ["kubernetes-secret-data"] = "a Kubernetes Secret with data or stringData",
        ["etcd-database"] = "an etcd database or snapshot (it holds every Secret of the cluster)",
        ["der-private-key"] = "a DER-encoded private key",
        ["pkcs12-keystore"] = "a PKCS#12 key store (.p12/.pfx)",
    };

    public void Check(RepoModel repo, RuleContext context)
    {
        if (context.Enabled("secrets/plaintext")) CheckFiles(repo, context);
        if (context.Enabled("secrets/store-missing"))
            foreach (var cluster in repo.Clusters) CheckStores(cluster, context);
        if (context.Enabled(SopsUnencrypted) || context.Enabled(SopsInvalid)) CheckSops(repo, context);
    }

    /// <summary>
    /// SOPS: every Secret in a file the nearest .sops.yaml's creation rules match must be encrypted
    /// (a sops block), an encrypted Secret must not mix plain values into what sops encrypts, and a
    /// sops block must be one sops can decrypt.
    /// </summary>
    private static void CheckSops(RepoModel repo, RuleContext context)
    {
        foreach (var finding in repo.Flux.Findings.Where(f => f.Rule == SopsInvalid)) context.Forward(finding);
        var rules = repo.Flux.SopsRules;
        foreach (var document in repo.Manifests)
        {
            if (Compile.Flux.Sops.Problem(document.Body) is { } problem)
            {
                context.Report(SopsInvalid, document.At("/sops"), $"{document.Kind} {document.Name} has a sops block, but {problem}; Flux cannot decrypt it",
                    "encrypt the file again with sops (sops --encrypt --in-place), from its plain version");
                continue;
            }
            if (document.Kind != "Secret" || document.Group.Length > 0) continue;
            if (Compile.Flux.Sops.IsEncrypted(document.Body))
            {
                foreach (var pointer in Compile.Flux.Sops.PlainValues(document.Body))
                    context.Report(SopsUnencrypted, document.At(pointer), $"Secret {document.Name} is encrypted with sops, but {pointer[1..].Replace('/', '.')} is plain text next to the encrypted values",
                        "encrypt the file again (sops --encrypt --in-place) so every value is ENC[...]; a value added after encryption stays readable in Git");
                continue;
            }
            if (!SecretScanner.LiteralValues(document.Body).Any()) continue;
            if (Compile.Flux.Sops.RuleFor(rules, document.File) is { } rule)
                context.Report(SopsUnencrypted, document.At(), $"Secret {document.Name} is not encrypted, but {rule.ConfigFile} (creation rule {rule.Index + 1}) says {document.File} must be",
                    $"encrypt it: sops --encrypt --in-place {document.File}");
        }
    }

    /// <summary>
    /// Every file, those .homeopsignore lists included (an ignore file never silences this rule): text as text, and
    /// binary or oversized files streamed through <see cref="BinarySecrets"/> (etcd snapshots, DER keys, key stores,
    /// and the text patterns in their bytes).
    /// </summary>
    private static void CheckFiles(RepoModel repo, RuleContext context)
    {
        var budget = new ByteBudget(BinarySecrets.MaxScanBytesPerRun);
        Parallel.ForEach(repo.Files.Concat(repo.SecretScanOnly), file =>
        {
            IEnumerable<SecretFinding> found;
            // files .homeopsignore lists are not among the repository's parsed documents: the scanner parses those itself
            if (file.Text is { } text) found = SecretScanner.Scan(file.Path, text, repo.Documents.File(file.Path) is null ? null : () => Parsed(repo, file.Path));
            else
            {
                var (binary, read, truncated) = ScanBinary(repo, file.Path, budget);
                found = binary;
                if (truncated)
                    context.Report("secrets/plaintext", SourceLocation.InFile(file.Path),
                        $"only the first {read / (1024 * 1024)} MiB of {file.Path} were scanned for secrets (at most {BinarySecrets.MaxScanBytes / (1024 * 1024)} MiB a file, " +
                        $"{BinarySecrets.MaxScanBytesPerRun / (1024 * 1024)} MiB a run)", "keep large artifacts out of Git (Git LFS or a release asset)", Severity.Warning);
            }
            foreach (var finding in found.DistinctBy(f => (f.Line, f.Rule)))
                context.Report("secrets/plaintext", new SourceLocation(file.Path, finding.Line, finding.Line > 0 ? 1 : 0),
                    $"{Explanations.GetValueOrDefault(finding.Rule, finding.Rule)} in {(file.Tracked ? "a file Git tracks" : "a file Git does not ignore (`git add -A` would commit it)")}",
                    file.Tracked
                        ? "remove it, rotate the credential (it is in history), purge history if the repo is public, and keep it in 1Password behind an ExternalSecret"
                        : "move it out of the repository or add it to .gitignore; keep it in 1Password behind an ExternalSecret");
        });
    }

    private static (IReadOnlyList<SecretFinding> Findings, long Read, bool Truncated) ScanBinary(RepoModel repo, string path, ByteBudget budget)
    {
        try
        {
            using var stream = repo.Source.OpenRead(path);
            return BinarySecrets.Scan(path, stream, budget);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ([], 0, false); // the loader reported why it could not read the file
        }
    }

    /// <summary>The file's documents as the loader parsed them (each YAML file is parsed once per run); none when it is not YAML.</summary>
    private static IReadOnlyList<(JsonNode? Node, int Line)> Parsed(RepoModel repo, string path) =>
        repo.Documents.Yaml(path) is { Failed: false } parsed
            ? parsed.Documents.Where(d => d.Manifest is not null).Select(d => ((JsonNode?)d.Body, d.Manifest!.At().Line)).ToList()
            : [];

    private static void CheckStores(ClusterView repo, RuleContext context)
    {
        var clusterStores = repo.OfKind("external-secrets.io", "ClusterSecretStore").Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var stores = repo.OfKind("external-secrets.io", "SecretStore").Select(m => (m.Namespace, m.Name)).ToHashSet();
        foreach (var secret in repo.OfKind("external-secrets.io", "ExternalSecret").Concat(repo.OfKind("external-secrets.io", "ClusterExternalSecret")))
        {
            var spec = secret.Kind == "ClusterExternalSecret" ? "/spec/externalSecretSpec" : "/spec";
            var reference = secret.Kind == "ClusterExternalSecret"
                ? secret.Body["spec"].Field("externalSecretSpec").Field("secretStoreRef")
                : secret.Body["spec"].Field("secretStoreRef");
            if (Manifest.Text(reference.Field("name")) is not { } name) continue; // the CRD schema requires it; schema/crd reports its absence
            var kind = Manifest.Text(reference.Field("kind")) ?? "SecretStore";
            var found = kind == "ClusterSecretStore"
                ? clusterStores.Contains(name)
                : stores.Contains((secret.Namespace, name)) || secret.Namespace is null && stores.Any(s => s.Name == name);
            if (found) continue;
            var candidates = kind == "ClusterSecretStore" ? clusterStores : stores.Select(s => s.Name);
            context.Report("secrets/store-missing", secret.At($"{spec}/secretStoreRef/name"),
                $"{secret.Kind} {secret.Name} reads from {kind} '{name}', which is not defined in the repository",
                Suggest.Nearest(name, candidates) is { } near ? $"did you mean '{near}'?"
                    : $"define the {kind} (see infrastructure/onepassword-connect/clustersecretstore.yaml) or fix secretStoreRef");
        }
    }
}
