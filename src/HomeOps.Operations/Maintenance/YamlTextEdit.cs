using YamlDotNet.RepresentationModel;

namespace HomeOps.Operations.Maintenance;

/// <summary>
/// Edits an operator's YAML file as text, so comments and layout outside the change stay as written: keys are removed with
/// all the lines of their values, parents left empty go too, and documents are appended.
/// </summary>
public static class YamlTextEdit
{
    /// <summary><paramref name="text"/> without the keys at <paramref name="paths"/> (dotted, in the first document); null when one is not found.</summary>
    public static string? RemovePaths(string text, IEnumerable<string> paths)
    {
        var pending = paths.ToList();
        var ancestors = pending.SelectMany(Ancestors).ToHashSet(StringComparer.Ordinal);
        while (true)
        {
            var root = FirstMapping(text);
            if (root is null) return null;
            var ranges = new List<(int From, int To)>();
            foreach (var path in pending)
            {
                if (Find(root, path) is not { } entry) return null;
                ranges.Add(((int)entry.Key.Start.Line, LastLine(entry.Key, entry.Value)));
            }
            text = Cut(text, ranges);
            // parents whose children are all gone
            root = FirstMapping(text);
            if (root is null) return text;
            pending = ancestors.Where(a => Find(root, a) is { Value: YamlScalarNode { Value: null or "" or "~" or "null" } or YamlMappingNode { Children.Count: 0 } }).ToList();
            if (pending.Count == 0) return text;
        }
    }

    /// <summary>Appends documents (already YAML) after a "---" each.</summary>
    public static string AppendDocuments(string text, IEnumerable<string> documents)
    {
        var result = text.Length == 0 || text.EndsWith('\n') ? text : text + "\n";
        foreach (var document in documents) result += "---\n" + document;
        return result;
    }

    private static IEnumerable<string> Ancestors(string path)
    {
        var parts = path.Split('.');
        for (var i = parts.Length - 1; i > 0; i--) yield return string.Join('.', parts[..i]);
    }

    private static YamlMappingNode? FirstMapping(string text)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlDotNet.Core.YamlException) { return null; }
        return stream.Documents.FirstOrDefault()?.RootNode as YamlMappingNode;
    }

    private static (YamlNode Key, YamlNode Value)? Find(YamlMappingNode root, string path)
    {
        var node = root;
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var entry = node.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: { } k } && k == parts[i]);
            if (entry.Key is null) return null;
            if (i == parts.Length - 1) return (entry.Key, entry.Value);
            if (entry.Value is not YamlMappingNode child) return null;
            node = child;
        }
        return null;
    }

    /// <summary>The last line (1-based) any part of the entry is written on.</summary>
    private static int LastLine(YamlNode key, YamlNode value)
    {
        var last = (int)key.End.Line;
        foreach (var node in value.AllNodes)
        {
            var end = node.End.Column == 1 && node.End.Line > node.Start.Line ? node.End.Line - 1 : node.End.Line;
            if (node is YamlScalarNode or YamlMappingNode { Children.Count: 0 } or YamlSequenceNode { Children.Count: 0 }) last = Math.Max(last, (int)end);
        }
        return last;
    }

    private static string Cut(string text, List<(int From, int To)> ranges)
    {
        var lines = text.Split('\n').ToList();
        foreach (var (from, to) in ranges.OrderByDescending(r => r.From))
            lines.RemoveRange(from - 1, Math.Min(to, lines.Count) - from + 1);
        return string.Join('\n', lines);
    }
}
