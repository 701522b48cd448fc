using HomeOps.Model;
using HomeOps.Model.Bootstrap;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Init;

/// <summary>
/// The reference repository's GitOps tree (clusters/, infrastructure/, apps/, bootstrap-config.yaml), embedded in the tool
/// at build time: `homeops init` writes a new repository from it and a spec, so the tool needs no checkout at run time.
/// </summary>
public static class ReferenceRepository
{
    private const string Prefix = "reference/";

    /// <summary>Every embedded file's repository path, sorted.</summary>
    public static IReadOnlyList<string> Paths { get; } =
        [.. typeof(ReferenceRepository).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..]).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The tool version matrix of the reference bootstrap-config.yaml, which every generated repository carries: the Talos
    /// and Kubernetes lines homeops has checked talosctl, kubectl and helm against.
    /// </summary>
    public static IReadOnlyList<ToolRequirement> Tools => Bootstrap.Tools;

    /// <summary>The reference bootstrap-config.yaml, bound once (the tool matrix and the reference facts both read it).</summary>
    public static BootstrapConfig Bootstrap => LazyBootstrap.Value;

    /// <summary>The reference cluster's name, domains, addresses, Git repository and 1Password vault, as its files say them.</summary>
    public static ReferenceFacts Facts => LazyFacts.Value;

    private static readonly Lazy<ReferenceFacts> LazyFacts = new(ReferenceFacts.Read);

    private static readonly Lazy<BootstrapConfig> LazyBootstrap = new(() =>
    {
        var findings = new FindingBag();
        var documents = YamlDocuments.Parse(Read(RepoFiles.BootstrapConfig), RepoFiles.BootstrapConfig, findings);
        var config = documents.Count == 1 && documents[0].RootNode is YamlMappingNode root
            ? new YamlBinder(RepoFiles.BootstrapConfig, findings).Bind<BootstrapConfig>(root) : null;
        return config is not null && !findings.HasErrors ? config
            : throw new InvalidOperationException($"the embedded reference {RepoFiles.BootstrapConfig} does not load:\n{string.Join("\n", findings.Sorted())}");
    });

    /// <summary>
    /// Exact edits of a reference file's text, in order. One whose text the reference no longer holds fails loudly, naming
    /// the <paramref name="generator"/> to update, instead of silently writing the reference's own value.
    /// </summary>
    public static string Edited(string path, string text, IReadOnlyList<(string From, string To)> edits, string generator)
    {
        foreach (var (from, to) in edits)
            text = text.Contains(from, StringComparison.Ordinal) ? text.Replace(from, to, StringComparison.Ordinal)
                : throw new InvalidOperationException($"the reference {path} no longer holds:\n{from}\n(update {generator} with it)");
        return text;
    }

    public static string Read(string path)
    {
        using var stream = typeof(ReferenceRepository).Assembly.GetManifestResourceStream(Prefix + path)
            ?? throw new InvalidOperationException($"{path} is not part of the embedded reference repository");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
