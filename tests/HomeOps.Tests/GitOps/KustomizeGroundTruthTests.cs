using System.Text.Json.Nodes;
using HomeOps.Adapters.Files;
using HomeOps.Compile.Flux;
using HomeOps.Compile.Kustomize;
using HomeOps.Compile.Repository;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.GitOps;

/// <summary>
/// kubectl kustomize (kustomize v5.5, the one kubectl v1.32 ships) is the ground truth for the
/// in-memory build: for every Flux Kustomization of every fixture repository and of this
/// repository, the kustomization the product hands its builder (the directory's file with the Flux
/// fields, or the generated one) is written into a copy of the repository, built with kubectl, and
/// the objects must equal the product's, field for field; a build the product refuses, kubectl
/// refuses too. Needs kubectl on PATH with kustomize v5.5 (skipped, with the reason, otherwise).
/// </summary>
[Trait(Category.Name, Category.EndToEnd)]
public sealed class KustomizeGroundTruthTests
{
    private static readonly Lazy<string?> Missing = new(() =>
    {
        try
        {
            var run = Support.Process.Run("kubectl", Repo.Root, "version", "--client");
            return run.Stdout.Contains("Kustomize Version: v5.5.", StringComparison.Ordinal)
                ? null
                : $"kubectl on PATH does not ship kustomize v5.5 (the ground truth): {run.Stdout.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception) { return "kubectl (with kustomize v5.5, the ground truth) is not on PATH"; }
    });

    public static TheoryData<string> Repositories()
    {
        var data = new TheoryData<string> { "." };
        foreach (var kind in new[] { "patterns", "rules" })
            foreach (var variant in Directory.EnumerateDirectories(Path.Combine(Repo.Root, "tests", "fixtures", kind)).SelectMany(Directory.EnumerateDirectories).Order(StringComparer.Ordinal))
                data.Add(Path.GetRelativePath(Repo.Root, variant));
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Repositories))]
    public void Every_build_equals_kubectl_kustomize(string repository)
    {
        Skip.If(Missing.Value is not null, Missing.Value);
        var root = Path.GetFullPath(Path.Combine(Repo.Root, repository));
        var model = new DiskRepository(new NoGit()).Load(root, new Dictionary<string, string>());
        // remote resources are fetched by kustomize and not by homeops: those builds cannot be compared offline
        var nodes = model.Flux.Kustomizations.Where(k => k.Generated is not null && k.Build is not null && !k.Build.Problems.Any(p => !p.Fatal)).ToList();
        if (nodes.Count == 0)
        {
            Assert.False(model.Flux.HasTree, $"{repository} has a Flux tree but no build to compare");
            return; // nothing Flux builds here: the per-rule fixture has no Flux Kustomization
        }
        using var temp = new TempDir();
        Repo.CopyDirectory(root, temp.Path);
        foreach (var node in nodes) Compare(temp.Path, node, repository);
    }

    private static void Compare(string copy, FluxKustomization node, string repository)
    {
        var directory = Path.Combine(copy, node.Directory!);
        var existing = KustomizeBuilder.KustomizationFileNames.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists);
        var file = existing ?? Path.Combine(directory, "kustomization.yaml");
        var original = existing is null ? null : File.ReadAllText(existing);
        File.WriteAllText(file, node.Generated!.Body.ToJsonString());
        try
        {
            var run = Support.Process.Run("kubectl", copy, "kustomize", "--load-restrictor", "LoadRestrictionsNone", directory);
            var name = $"{repository}: Kustomization {node.Key}";
            if (node.Build!.Failed)
            {
                Assert.True(run.ExitCode != 0, $"{name}: homeops refuses the build ({node.Build.Problems.First(p => p.Fatal).Message}) but kubectl kustomize builds it");
                return;
            }
            Assert.True(run.ExitCode == 0, $"{name}: kubectl kustomize fails:\n{run.Stderr}");
            var theirs = ParsedFile.Parse("kubectl", run.Stdout).Documents.Select(d => d.Body).OfType<JsonObject>().ToDictionary(Key);
            var ours = node.Build.Objects.ToDictionary(o => Key(o.Body), o => o.Body);
            Assert.Equal(theirs.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, body) in ours)
                Assert.True(JsonNode.DeepEquals(body, theirs[key]), $"{name}: {key} differs\nhomeops: {body.ToJsonString()}\nkubectl: {theirs[key].ToJsonString()}");
        }
        finally
        {
            if (original is null) File.Delete(file);
            else File.WriteAllText(file, original);
        }
    }

    private static string Key(JsonObject o) =>
        $"{o["apiVersion"]}/{o["kind"]}/{o["metadata"]?["namespace"]}/{o["metadata"]?["name"]}";

    private sealed class NoGit : IGit
    {
        public (IReadOnlyList<string> Files, IReadOnlySet<string> Tracked)? ListFiles(string repositoryRoot) => null;
    }
}
