using System.Text.Json.Nodes;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Tests.Support;
using HomeOps.Validate.Schema;

namespace HomeOps.Tests.Talos;

/// <summary>
/// Upstream repositories mirrored on the development machine (Git directories under .mirror/ beside the clone). Tests that compare
/// with upstream's own data (Talos' stability golden files, talhelper's example) read them at the pinned tag; where no
/// mirror is present they are skipped with that reason, and the committed golden files still hold.
/// </summary>
public static class Mirrors
{
    public const string Talos = "siderolabs+talos";
    public const string Talhelper = "budimanjojo+talhelper";

    /// <summary>$HOMEOPS_MIRRORS, else a .mirror directory beside the clone (where the workplace keeps it), else /work/.mirror.</summary>
    private static readonly string Root = Environment.GetEnvironmentVariable("HOMEOPS_MIRRORS")
        ?? new[] { System.IO.Path.GetFullPath(System.IO.Path.Combine(Repo.Root, "..", ".mirror")), "/work/.mirror" }.FirstOrDefault(Directory.Exists)
        ?? "/work/.mirror";

    public static string Path(string name) => System.IO.Path.Combine(Root, name, "repo");

    /// <summary>How a skip for a missing mirror begins: test.sh lets these through even where no skip is allowed (see there).</summary>
    public static string Missing(string name) => $"needs the upstream mirror {name} ({Path(name)}); set HOMEOPS_MIRRORS to its parent directory";

    public static bool Exists(string name) => Directory.Exists(Path(name));

    /// <summary>`git show REV:PATH` in the mirror.</summary>
    public static string Show(string name, string revision, string path)
    {
        var result = Process.Run("git", Path(name), "show", $"{revision}:{path}");
        if (result.ExitCode != 0) throw new InvalidOperationException($"git show {revision}:{path} in {name}: {result.Stderr}");
        return result.Stdout;
    }
}

/// <summary>A theory that needs an upstream mirror; skipped, with the reason, where it is missing.</summary>
public sealed class MirrorTheoryAttribute : TheoryAttribute
{
    public MirrorTheoryAttribute(string mirror)
    {
        if (!Mirrors.Exists(mirror)) Skip = Mirrors.Missing(mirror);
    }
}

/// <summary>A fact that needs an upstream mirror; skipped, with the reason, where it is missing.</summary>
public sealed class MirrorFactAttribute : FactAttribute
{
    public MirrorFactAttribute(string mirror)
    {
        if (!Mirrors.Exists(mirror)) Skip = Mirrors.Missing(mirror);
    }
}

/// <summary>A source tree that answers some paths from memory and the rest from another tree.</summary>
public sealed class OverlayTree(ISourceTree inner, IReadOnlyDictionary<string, string> files) : ISourceTree
{
    public string Root => inner.Root;
    public bool Exists(string path) => files.ContainsKey(path) || inner.Exists(path);
    public string ReadText(string path) => files.TryGetValue(path, out var text) ? text : inner.ReadText(path);
}

/// <summary>Renders talconfig repositories in process, with secrets replaced by placeholders so the output can be compared with golden files.</summary>
public static class TalosRendering
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<SecretsBundle> Bundle = new(() => SecretsBundle.Throwaway(Now));

    private static readonly Lazy<SchemaStore> Schemas = new(() =>
        new SchemaStore([Repo.Schemas], System.IO.Path.Combine(System.IO.Path.GetTempPath(), "homeops-test-schema-cache")));

    public sealed record Result(TalosPlan Plan, HomeOps.Compile.Talos.TalosRender Render, IReadOnlyList<Finding> Findings, IReadOnlyList<Finding> SchemaErrors)
    {
        /// <summary>Every node's machine config as YAML with the secrets as ${secrets.*} placeholders.</summary>
        public IReadOnlyDictionary<string, string> Files => Render.Nodes.ToDictionary(n => n.Node.Hostname, n => Redact(n.Yaml));
    }

    /// <summary>Plans and renders <paramref name="root"/>/<paramref name="talconfig"/>, with talosVersion (and, when it
    /// does not fit that line, kubernetesVersion) replaced when <paramref name="talosVersion"/> is given.</summary>
    public static Result Run(string root, string talconfig = "talconfig.yaml", string? talosVersion = null, IDictionary<string, string>? environment = null)
    {
        ISourceTree tree = new DiskSourceTree(root);
        if (talosVersion is not null)
        {
            var text = tree.ReadText(talconfig);
            text = System.Text.RegularExpressions.Regex.Replace(text, @"(?m)^talosVersion:.*$", $"talosVersion: {talosVersion}");
            var line = Compile.Talos.Lines.TalosLines.For(ReleaseVersion.TryParse(talosVersion, out var v) ? v : throw new ArgumentException(talosVersion), out _)!;
            var k8s = System.Text.RegularExpressions.Regex.Match(text, @"(?m)^kubernetesVersion:\s*(\S+)").Groups[1].Value;
            if (!ReleaseVersion.TryParse(k8s, out var kubernetes) || !line.Kubernetes.Supports(kubernetes))
                text = System.Text.RegularExpressions.Regex.Replace(text, @"(?m)^kubernetesVersion:.*$", $"kubernetesVersion: {line.Kubernetes.Default}");
            tree = new OverlayTree(tree, new Dictionary<string, string> { [talconfig] = text });
        }
        var findings = new FindingBag();
        var plan = TalosCompiler.Plan(tree, talconfig, new Dictionary<string, string>(environment ?? new Dictionary<string, string>()), findings)
            ?? throw new Xunit.Sdk.XunitException($"{root}: the plan failed:\n{string.Join("\n", findings.Sorted())}");
        var render = TalosCompiler.Render(plan, tree, Bundle.Value, Now, findings);
        var schema = new TalosSchemaValidator(Schemas.Value, plan.Line.Name);
        if (!schema.Available) throw new Xunit.Sdk.XunitException($"no schema for {plan.Line.Name} under {Repo.Schemas}");
        var schemaFindings = new FindingBag();
        schema.Validate(render, schemaFindings);
        return new Result(plan, render, findings.Sorted(), schemaFindings.Sorted());
    }

    /// <summary>The bundle's values as placeholders: a golden file must not depend on random keys, nor hold any.</summary>
    public static string Redact(string yaml, SecretsBundle? bundle = null)
    {
        var b = bundle ?? Bundle.Value;
        var pairs = new (string Value, string Name)[]
        {
            (SecretsBundle.B64(b.Os.CertificatePem), "os.crt"), (SecretsBundle.B64(b.Os.KeyPem), "os.key"),
            (SecretsBundle.B64(b.Kubernetes.CertificatePem), "k8s.crt"), (SecretsBundle.B64(b.Kubernetes.KeyPem), "k8s.key"),
            (SecretsBundle.B64(b.Aggregator.CertificatePem), "aggregator.crt"), (SecretsBundle.B64(b.Aggregator.KeyPem), "aggregator.key"),
            (SecretsBundle.B64(b.Etcd.CertificatePem), "etcd.crt"), (SecretsBundle.B64(b.Etcd.KeyPem), "etcd.key"),
            (SecretsBundle.B64(b.ServiceAccountKeyPem), "serviceAccount.key"), (b.ClusterId, "clusterId"), (b.ClusterSecret, "clusterSecret"),
            (b.BootstrapToken, "bootstrapToken"), (b.TrustdToken, "trustdToken"), (b.SecretboxEncryptionSecret, "secretboxEncryptionSecret"),
        };
        foreach (var (value, name) in pairs) yaml = yaml.Replace(value, $"${{secrets.{name}}}", StringComparison.Ordinal);
        return yaml;
    }
}

/// <summary>
/// Golden files under tests/HomeOps.Tests/Talos/Golden: the reviewed output of a render. A difference fails the test with a diff;
/// HOMEOPS_UPDATE_GOLDEN=1 rewrites them (review the diff before committing).
/// </summary>
public static class Golden
{
    public static string Directory => Path.Combine(Repo.Root, "tests", "HomeOps.Tests", "Talos", "Golden");

    public static void Match(string relative, string actual)
    {
        var path = Path.Combine(Directory, relative);
        if (Environment.GetEnvironmentVariable("HOMEOPS_UPDATE_GOLDEN") == "1")
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"no golden file {relative}; run the tests once with HOMEOPS_UPDATE_GOLDEN=1 and review it");
        var expected = File.ReadAllText(path);
        if (expected == actual) return;
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var line = Enumerable.Range(0, Math.Min(e.Length, a.Length)).FirstOrDefault(i => e[i] != a[i], Math.Min(e.Length, a.Length));
        throw new Xunit.Sdk.XunitException($"{relative} differs at line {line + 1}:\n  golden: {(line < e.Length ? e[line] : "<end>")}\n  render: {(line < a.Length ? a[line] : "<end>")}\n(HOMEOPS_UPDATE_GOLDEN=1 rewrites the golden files)");
    }

    /// <summary>
    /// Like <see cref="Match"/>, for a render of an upstream file we may read but not copy into this repository: the golden
    /// file holds only the SHA-256 of the reviewed render. On a difference the render is written out for review.
    /// </summary>
    public static void MatchDigest(string relative, string actual)
    {
        var path = Path.Combine(Directory, relative + ".sha256");
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(actual)));
        if (Environment.GetEnvironmentVariable("HOMEOPS_UPDATE_GOLDEN") == "1")
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, digest + "\n");
            return;
        }
        Assert.True(File.Exists(path), $"no golden digest {relative}.sha256; run the tests once with HOMEOPS_UPDATE_GOLDEN=1 after reviewing the render");
        if (File.ReadAllText(path).Trim() == digest) return;
        var review = Path.Combine(Path.GetTempPath(), "homeops-golden-review", relative);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(review)!);
        File.WriteAllText(review, actual);
        throw new Xunit.Sdk.XunitException($"{relative} is not the reviewed render (its digest differs); this render is in {review}: review it, "
            + "then HOMEOPS_UPDATE_GOLDEN=1 records its digest");
    }

    /// <summary>The documents of a YAML stream as JSON.</summary>
    public static List<JsonObject> Documents(string yaml)
    {
        var findings = new FindingBag();
        var documents = YamlDocuments.Parse(yaml, "render.yaml", findings).Select(d => (JsonObject)YamlJson.ToJson(d.RootNode)!).ToList();
        Assert.Empty(findings.Sorted());
        return documents;
    }
}
