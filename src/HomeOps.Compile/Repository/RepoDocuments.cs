using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using YamlDotNet.Core;

namespace HomeOps.Compile.Repository;

/// <summary>One YAML document of a file: its tree (null for an empty document), or why it has none.</summary>
/// <param name="Manifest">The document as a <see cref="Manifest"/> when it is a mapping (Kubernetes object or not).</param>
/// <param name="Problem">Why the document could not be converted (alias bomb, recursive alias...), with its position.</param>
public sealed record ParsedDocument(int Index, JsonNode? Body, Manifest? Manifest, Finding? Problem);

/// <summary>A YAML file read once: its documents, or the parse problem that stopped it.</summary>
public sealed record ParsedFile(string Path, IReadOnlyList<ParsedDocument> Documents, IReadOnlyList<Finding> Problems)
{
    public bool Failed => Problems.Any(p => p.Severity == Severity.Error);

    /// <summary>Parses a YAML text; nothing throws, problems are findings with positions.</summary>
    public static ParsedFile Parse(string path, string text)
    {
        var findings = new FindingBag();
        var documents = YamlDocuments.Parse(text, path, findings);
        var parsed = new List<ParsedDocument>(documents.Count);
        for (var index = 0; index < documents.Count; index++)
        {
            var positions = new Dictionary<string, Mark>(StringComparer.Ordinal);
            var quoted = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                var body = YamlJson.ToJson(documents[index].RootNode, positions, quoted);
                parsed.Add(new ParsedDocument(index, body,
                    body is JsonObject obj ? new Manifest(path, index, obj, positions) { QuotedVariables = quoted } : null, null));
            }
            catch (FormatException e)
            {
                var at = e is YamlConversionException conversion ? YamlDocuments.At(path, conversion.At) : YamlDocuments.At(path, documents[index].RootNode);
                parsed.Add(new ParsedDocument(index, null, null, Finding.Error("yaml/syntax", at, e.Message, "simplify the document")));
            }
        }
        return new ParsedFile(path, parsed, findings.Sorted());
    }

    /// <summary>The documents that are Kubernetes objects (a string apiVersion and kind).</summary>
    public IEnumerable<Manifest> Objects => Documents.Select(d => d.Manifest).OfType<Manifest>()
        .Where(m => Manifest.Text(m.Body["apiVersion"]) is not null && Manifest.Text(m.Body["kind"]) is not null);
}

/// <summary>
/// The repository's files by path, each YAML file parsed at most once (the loader parses the manifest
/// folders up front; builds that reach elsewhere parse on demand). Thread-safe.
/// </summary>
public sealed class RepoDocuments
{
    private readonly Dictionary<string, RepoFile> _files;
    private readonly ConcurrentDictionary<string, Lazy<ParsedFile?>> _parsed = new(StringComparer.Ordinal);

    public RepoDocuments(IReadOnlyList<RepoFile> files, IEnumerable<ParsedFile> parsed)
    {
        _files = files.GroupBy(f => f.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        Paths = new RepoPaths(_files.Keys);
        foreach (var file in parsed) _parsed[file.Path] = new Lazy<ParsedFile?>(file);
    }

    public RepoPaths Paths { get; }

    public RepoFile? File(string path) => _files.GetValueOrDefault(path);

    /// <summary>The file parsed as YAML; null when there is no such file or it has no text (binary, too large, unreadable).</summary>
    public ParsedFile? Yaml(string path) =>
        _parsed.GetOrAdd(path, p => new Lazy<ParsedFile?>(() => _files.GetValueOrDefault(p)?.Text is { } text ? ParsedFile.Parse(p, text) : null)).Value;
}
