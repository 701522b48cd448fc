using HomeOps.Compile.Flux;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Flux;

/// <summary>
/// The kustomize layer under the Flux Kustomizations: every path a kustomization.yaml names must
/// exist (else the whole build fails and nothing of it is applied), and every manifest must be
/// reached by some build (else it sits in Git, reviewed and believed deployed, but never applied).
/// </summary>
public sealed class KustomizeRules : IRuleSet
{
    public const string ResourceMissing = "flux/kustomize-resource-missing";
    public const string Orphan = "flux/orphan-manifest";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(ResourceMissing, Severity.Error, "A kustomization.yaml lists a resource, component, patch or generator file that does not exist."),
        new(Orphan, Severity.Warning, "A manifest no Flux Kustomization's build reaches; Flux never applies it."),
    ];

    public void Check(RepoModel repo, RuleContext context)
    {
        var tree = FluxTree.Of(repo);
        foreach (var overlay in tree.Overlays.Values)
            foreach (var entry in KustomizeFields.Entries(overlay))
                CheckEntry(tree, overlay, entry, context);
        CheckOrphans(tree, context);
    }

    private static void CheckEntry(FluxTree tree, Manifest overlay, KustomizeEntry entry, RuleContext context)
    {
        var directory = RepoPaths.DirectoryOf(overlay.File);
        var target = RepoPaths.Join(directory, entry.Path);
        string problem;
        if (target is null) problem = "climbs out of the repository";
        else if (tree.Paths.IsFile(target)) return;
        else if (!tree.Paths.IsDirectory(target)) problem = "does not exist";
        else if (!entry.IsResource) problem = "is a directory, kustomize needs a file here";
        else if (tree.Overlays.ContainsKey(target)) return;
        else problem = "is a directory without kustomization.yaml, which kustomize cannot build";
        var near = target is null ? null : Suggest.Nearest(Path.GetFileName(target), tree.Paths.EntriesIn(RepoPaths.DirectoryOf(target)).Select(Path.GetFileName).OfType<string>());
        context.Report(ResourceMissing, overlay.At(entry.Pointer), $"{overlay.File} lists '{entry.Path}', which {problem}; the build fails and nothing in it is applied",
            near is not null && near != Path.GetFileName(target) ? $"did you mean '{near}'?"
            : problem.Contains("kustomization.yaml", StringComparison.Ordinal) ? $"add {target}/kustomization.yaml listing its files, or list the files themselves"
            : "create it, correct the path (relative to the kustomization.yaml's directory), or remove the entry");
    }

    private static void CheckOrphans(FluxTree tree, RuleContext context)
    {
        // Without a Flux Kustomization building this repository there is no Flux tree to be outside of.
        if (!tree.Model.HasTree) return;
        var orphans = tree.Repo.Manifests
            // files the repository's bootstrap applies (a bootstrap/ folder, scripts) are its business, not Flux's
            .Where(m => m.Group != FluxTree.KustomizeGroup && !FluxTree.IsOverlayFile(m.File) && !tree.Model.FilesReached.Contains(m.File) && !OutsideGit.IsBootstrapFile(m.File))
            .GroupBy(m => m.File);
        foreach (var file in orphans)
        {
            var first = file.First();
            var overlay = NearestOverlay(tree, file.Key);
            if (Path.GetFileName(file.Key) is "gotk-sync.yaml" or "gotk-components.yaml")
            {
                context.Report(Orphan, first.At(), $"{file.Key} (flux bootstrap's {(file.Key.EndsWith("gotk-sync.yaml", StringComparison.Ordinal) ? "sync objects" : "controllers")}) is not reached by the root Kustomization's build, so Flux never applies it again: changes to it (a Flux upgrade) reach the cluster only by running flux bootstrap by hand",
                    overlay is not null ? $"list flux-system/ (or the file) under resources: in {overlay}" : "add a kustomization.yaml to the root path that lists flux-system/");
                continue;
            }
            context.Report(Orphan, first.At(), $"{file.Key} ({string.Join(", ", file.Select(m => $"{m.Kind} {m.Name}"))}) is not reached by any Flux Kustomization, so Flux never applies it",
                overlay is not null
                    ? $"list it under resources: in {overlay}, or delete it if it is no longer needed"
                    : "point a Flux Kustomization's spec.path at its directory, list it in a kustomization.yaml that one reaches, or delete it");
        }
    }

    /// <summary>The kustomization.yaml in the file's directory or the closest one above it.</summary>
    private static string? NearestOverlay(FluxTree tree, string file)
    {
        for (var dir = RepoPaths.DirectoryOf(file); ; dir = RepoPaths.DirectoryOf(dir))
        {
            if (tree.Overlays.TryGetValue(dir, out var overlay)) return overlay.File;
            if (dir.Length == 0) return null;
        }
    }
}
