using System.Text;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Cli.Output;
using HomeOps.Tests.Support;
using HomeOps.Validate.Engine;
using Xunit.Abstractions;

namespace HomeOps.Tests.Security;

/// <summary>Runs alone: the memory bound is read from the process-wide allocation counter.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCountedCollection
{
    public const string Name = "allocation-counted";
}

/// <summary>
/// Issue 17, acceptance 3: validate over generated hostile repositories — names, symlinks, anchors, apiVersions, sizes —
/// reads nothing outside the repository and the schema location, never crashes a rule, escapes what it prints, and
/// does bounded work. The generator is seeded (the same repositories every run); each repository is at most
/// <see cref="MaxWrittenBytes"/> written (plus sparse files, which the loader never reads whole), and its run may
/// allocate at most <see cref="MaxAllocatedBytes"/>: a work bound, not a time bound. Without the YAML budgets one
/// repository of bombs allocated gigabytes (issue 17, item 6). Canaries are FIFOs outside the repository and the
/// schema location, where the hostile paths lead: opening one at all fails the test.
/// </summary>
[Collection(AllocationCountedCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileRepositoryFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261130;
    private const int Repositories = 16;
    private const long MaxWrittenBytes = 4L * 1024 * 1024;
    private const long MaxAllocatedBytes = 512L * 1024 * 1024;

    private const string Good = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n  namespace: default\ndata:\n  a: b\n";

    /// <summary>Where hostile paths lead, relative to the repository (temp/repo) and the schema location (temp/schemas).</summary>
    private static readonly string[] CanaryFiles = ["outside/creds.json", "outside/creds.yaml", "outside.yaml", "schemas-outside.json"];

    private static readonly string[] NameParts =
    [
        "\u001b[2J", "\r", "\n0 errors, 0 warnings\n", "\t", "\u202e", "\u200b", " ", "-", "#", "..", "...", "~", "$HOME", "`id`", "*", "[", "\\",
        "é", "名前", "%2e%2e", "con", ":", ";", "'", "\"",
    ];

    private static readonly string[] HostileApiVersions =
    [
        "g/v/../../../outside/creds", "../../outside/creds/v1", "cilium.io/v2/../../../../outside/creds", "https://evil.example/x/v1",
        "cilium.io/%2e%2e", "a\\..\\b/v1", "cilium.io/v2\u0000", "cilium.io/v2\n", "/schemas-outside", "..", "cilium.io/", "/v1",
    ];

    private static readonly string[] HostileKinds = ["../../../outside/creds", "..", "CiliumNetworkPolicy/../../x", "x\u001b[2J", "", "a b"];

    [Fact]
    public void Validate_over_hostile_repositories_stays_inside_and_bounded()
    {
        for (var i = 0; i < Repositories; i++)
        {
            var random = new Random(Seed + i);
            using var temp = new TempDir();
            var canaries = CanaryFiles.Select(f => new Canary(Path.Combine(temp.Path, f))).ToList();
            try
            {
                var schemas = Path.Combine(temp.Path, "schemas");
                Repo.CopyDirectory(Path.Combine(Repo.Schemas, "crds", "cilium.io"), Path.Combine(schemas, "crds", "cilium.io"));
                var repo = Path.Combine(temp.Path, "repo");
                var git = i % 2 == 0;
                var written = Generate(random, repo, git);
                Assert.InRange(written, 1, MaxWrittenBytes);
                if (git) Validation.GitCommitAll(repo);

                GC.Collect();
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var validator = new Validator(RuleCatalog.All());
                var model = new DiskRepository(git ? new GitCli() : new Validation.NoGit()).Load(repo, new Dictionary<string, string>());
                var report = validator.Run(model, validator.Select([], []), new SchemaStore([schemas], Path.Combine(temp.Path, "cache")), TimeSpan.Zero);
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
                output.WriteLine($"repository {i} (git: {git}): {written} bytes written, {report.Files} files, {report.Documents} documents, " +
                                 $"{report.Findings.Count} findings, {allocated / (1024 * 1024)} MiB allocated");

                Assert.All(canaries, c => Assert.True(c.Reads == 0, $"repository {i}: {c.Path} was opened"));
                Assert.DoesNotContain(report.Findings, f => f.Rule == "internal/rule-failed");
                Assert.DoesNotContain(report.Findings, f => f.Message.Contains(Canary.Marker, StringComparison.Ordinal));
                Assert.True(report.Documents >= 1, $"repository {i}: the good manifest was not loaded");
                output.WriteLine("  rules: " + string.Join(", ", report.Findings.GroupBy(f => f.Rule).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}")));
                Assert.True(allocated <= MaxAllocatedBytes, $"repository {i}: {allocated / (1024 * 1024)} MiB allocated");

                var printed = new StringWriter();
                FindingPrinter.Print(report.Findings, printed);
                var raw = printed.ToString().FirstOrDefault(c => c != '\n' && TerminalText.IsUnsafe(c));
                Assert.True(raw == default, $"repository {i}: raw U+{(int)raw:X4} in the text output");
            }
            finally
            {
                foreach (var canary in canaries) canary.Dispose();
            }
        }
    }

    /// <summary>A repository of 6 to 14 hostile entries beside one good manifest; returns the bytes written (sparse files count their written head).</summary>
    private static long Generate(Random random, string repo, bool git)
    {
        long written = 0;
        void Write(string relative, string text) => written += WriteBytes(repo, relative, Encoding.UTF8.GetBytes(text));
        Write("clusters/good/cm.yaml", Good); // out of reach of the generated ignore patterns
        var entries = random.Next(6, 15);
        for (var e = 0; e < entries; e++)
        {
            var dir = $"apps/{Name(random)}";
            switch (random.Next(9))
            {
                case 0: // a hostile file name, YAML inside
                    Write($"{dir}/{Name(random)}.yaml", random.Next(2) == 0 ? Good.Replace("name: good", $"name: n{e}", StringComparison.Ordinal) : "a: [\n");
                    break;
                case 1: // symlinks: out to the canaries, to the host, loops, dangling, a directory out
                    Symlink(repo, $"{dir}/{Name(random)}.yaml", random.Next(7) switch
                    {
                        0 => "../../../outside/creds.yaml",
                        1 => Path.Combine(Path.GetDirectoryName(repo)!, "outside.yaml"),
                        2 => "/etc/hostname",
                        3 => "../../..",
                        4 => "self.yaml",
                        5 => "gone.yaml",
                        _ => Path.Combine(Path.GetDirectoryName(repo)!, "outside"),
                    });
                    if (random.Next(2) == 0) Symlink(repo, $"{dir}/self.yaml", "self.yaml");
                    break;
                case 2: // anchors: bombs of random shape, chains, merges
                    Write($"{dir}/anchors.yaml", Anchors(random));
                    break;
                case 3: // hostile apiVersions and kinds
                    Write($"{dir}/api.yaml", $"apiVersion: \"{Quote(Pick(random, HostileApiVersions))}\"\nkind: \"{Quote(random.Next(2) == 0 ? "CiliumNetworkPolicy" : Pick(random, HostileKinds))}\"\nmetadata:\n  name: x{e}\nspec:\n  a: 1\n");
                    break;
                case 4: // a CRD whose group and names would become schema paths
                    Write($"{dir}/crd.yaml", $"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.y\nspec:\n  group: \"{Quote(Pick(random, HostileApiVersions))}\"\n  names:\n    kind: \"{Quote(Pick(random, HostileKinds))}\"\n    plural: xs\n  scope: Namespaced\n  versions:\n    - name: \"{Quote(Pick(random, ["v1", "../..", "v1/../../../outside/creds"]))}\"\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema: {{type: object}}\n---\napiVersion: \"{Quote(Pick(random, HostileApiVersions))}\"\nkind: Y\nmetadata:\n  name: y\n");
                    break;
                case 5: // sizes: over the text limit (sparse), one long line, many documents, deep nesting, empty
                    switch (random.Next(5))
                    {
                        case 0: written += Sparse(Path.Combine(repo, dir, "huge.yaml"), (8 + random.Next(5)) * 1024L * 1024); break;
                        case 1: Write($"{dir}/long.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: long}\ndata:\n  a: " + new string('x', random.Next(100_000, 1_000_000)) + "\n"); break;
                        case 2: Write($"{dir}/many.yaml", string.Concat(Enumerable.Range(0, random.Next(500, 3000)).Select(k => $"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: m{k}}}\n"))); break;
                        case 3: Write($"{dir}/deep.yaml", "a: " + new string('[', random.Next(200, 20_000)) + "\n"); break;
                        default: Write($"{dir}/empty.yaml", ""); break;
                    }
                    break;
                case 6: // binary junk where YAML is expected, and a named pipe (plain directories only: Git does not add them)
                    var junk = new byte[random.Next(1, 64 * 1024)];
                    random.NextBytes(junk);
                    junk[0] = 0;
                    written += WriteBytes(repo, $"{dir}/junk.yaml", junk);
                    if (!git)
                    {
                        Directory.CreateDirectory(Path.Combine(repo, dir));
                        Assert.Equal(0, Support.Process.Run("mkfifo", repo, $"{dir}/pipe.yaml").ExitCode);
                    }
                    break;
                case 7: // an ignore file of odd patterns
                    Write(".homeopsignore", string.Join("\n", Enumerable.Range(0, random.Next(1, 8)).Select(_ => Pick(random, ["**", "[", "(", "apps/x/", "*", "\\", "../", "/apps/x", "a{1,9999999}", Name(random)]))));
                    break;
                default: // a Flux Kustomization and a kustomization.yaml that point out of the repository
                    Write($"{dir}/ks.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: out\n  namespace: flux-system\nspec:\n  interval: 1m\n  path: ../../outside\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n");
                    Write($"{dir}/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../../outside.yaml\n  - ../../../outside\n  - /etc/hostname\n");
                    break;
            }
        }
        return written;
    }

    private static string Name(Random random)
    {
        var b = new StringBuilder();
        for (var k = random.Next(1, 4); k > 0; k--) b.Append(NameParts[random.Next(NameParts.Length)]).Append((char)('a' + random.Next(26)));
        var name = b.ToString().Replace("/", "", StringComparison.Ordinal);
        return name is "." or ".." ? "dot" : name;
    }

    private static string Anchors(Random random)
    {
        var b = new StringBuilder();
        for (var doc = random.Next(1, 20); doc > 0; doc--)
        {
            var levels = random.Next(1, 12);
            var width = random.Next(2, 16);
            b.Append("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a0: &a0 x\n");
            for (var level = 1; level <= levels; level++)
                b.Append($"  a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", width))}]\n");
            if (random.Next(2) == 0) b.Append($"  m:\n    <<: *a{levels}\n");
        }
        return b.ToString();
    }

    private static string Pick(Random random, string[] from) => from[random.Next(from.Length)];

    private static string Quote(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\u0000", "\\0", StringComparison.Ordinal);

    private static long WriteBytes(string repo, string relative, byte[] bytes)
    {
        var full = Path.Combine(repo, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        if (File.Exists(full) || Directory.Exists(full) || new FileInfo(full).LinkTarget is not null) return 0; // a generated name repeated
        File.WriteAllBytes(full, bytes);
        return bytes.Length;
    }

    private static void Symlink(string repo, string relative, string target)
    {
        var full = Path.Combine(repo, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        if (!File.Exists(full) && !Directory.Exists(full) && new FileInfo(full).LinkTarget is null) File.CreateSymbolicLink(full, target);
    }

    private static long Sparse(string path, long length)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path)) return 0;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.Write("apiVersion: v1\nkind: ConfigMap\n"u8);
        file.SetLength(length);
        return 32;
    }
}
