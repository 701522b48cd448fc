using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Model.Yaml;

/// <summary>Parses YAML text into documents, turning parser failures into located findings.</summary>
public static class YamlDocuments
{
    /// <summary>Deepest flow nesting accepted; YamlDotNet recurses per level and a stack overflow can't be caught.</summary>
    public const int MaxDepth = 256;

    public static IReadOnlyList<YamlDocument> Parse(string text, string file, FindingBag findings)
    {
        if (TooDeep(text) is { } line)
        {
            findings.Add(Finding.Error("yaml/syntax", new SourceLocation(file, line, 1), $"nesting deeper than {MaxDepth} levels",
                "no real configuration nests this deep; is the file generated or corrupted?"));
            return [];
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new DepthLimit(new Parser(new StringReader(text))));
            if (YamlBudget.Charge(stream.Documents) is { } over)
            {
                findings.Add(Finding.Error("yaml/syntax", At(file, over.At), over.Message,
                    "no real configuration needs this; replace the aliases with what they stand for"));
                return [];
            }
            return stream.Documents.ToList();
        }
        catch (UndefinedAliasException e)
        {
            findings.Add(Finding.Error("yaml/syntax", At(file, e.At), $"alias *{e.Name} refers to no anchor &{e.Name} defined before it in this document",
                "define the anchor (&name) before the alias, or fix the alias' spelling; anchors do not cross '---'"));
            return [];
        }
        catch (TooDeepException e)
        {
            findings.Add(Finding.Error("yaml/syntax", At(file, e.At), $"nesting deeper than {MaxDepth} levels",
                "no real configuration nests this deep; is the file generated or corrupted?"));
            return [];
        }
        catch (YamlException e)
        {
            var rule = e.Message.Contains("Duplicate key", StringComparison.OrdinalIgnoreCase) ? "yaml/duplicate-key" : "yaml/syntax";
            findings.Add(Finding.Error(rule, At(file, e.Start), Describe(e),
                rule == "yaml/duplicate-key" ? "remove one of the two keys; YAML keeps only one and which one is tool-dependent" : "fix the YAML syntax at this position"));
            return [];
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this on some malformed plain scalars instead of a YamlException.
            findings.Add(Finding.Error("yaml/syntax", new SourceLocation(file, 1, 1), $"the YAML parser gave up: {e.Message}",
                "look for an unclosed [ or {, or a stray quote"));
            return [];
        }
    }

    /// <summary>The line where flow brackets or block indentation first exceed <see cref="MaxDepth"/>, or null.</summary>
    private static int? TooDeep(string text)
    {
        int depth = 0, line = 1, indent = 0;
        var atLineStart = true;
        foreach (var c in text)
        {
            switch (c)
            {
                case '\n': line++; atLineStart = true; indent = 0; continue;
                case '[' or '{': depth++; break;
                case ']' or '}': depth = Math.Max(0, depth - 1); break;
                case ' ' when atLineStart: indent++; break;
            }
            if (c != ' ') atLineStart = false;
            if (depth > MaxDepth || indent > MaxDepth * 4) return line;
        }
        return null;
    }

    /// <summary>
    /// Counts collection nesting as the parser (which keeps its own stack) reads events, before the
    /// recursive node loader sees them: block nesting that takes no indentation ("- - - x", "? ? x")
    /// escapes the text pre-check and would otherwise overflow the stack.
    /// </summary>
    private sealed class DepthLimit(IParser inner) : IParser
    {
        private int _depth;
        private readonly HashSet<string> _anchors = new(StringComparer.Ordinal);

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!inner.MoveNext()) return false;
            switch (inner.Current)
            {
                case SequenceStart or MappingStart when ++_depth > MaxDepth: throw new TooDeepException(inner.Current.Start);
                case SequenceEnd or MappingEnd: _depth--; break;
                case DocumentStart: _anchors.Clear(); break;
                // YamlDotNet reports an unknown alias at the start of the document; this names the alias itself.
                case AnchorAlias alias when !_anchors.Contains(alias.Value.Value): throw new UndefinedAliasException(alias.Value.Value, alias.Start);
            }
            if (inner.Current is NodeEvent { Anchor.IsEmpty: false } anchored) _anchors.Add(anchored.Anchor.Value);
            return true;
        }
    }

    private sealed class TooDeepException(Mark at) : Exception
    {
        public Mark At { get; } = at;
    }

    private sealed class UndefinedAliasException(string name, Mark at) : Exception
    {
        public string Name { get; } = name;
        public Mark At { get; } = at;
    }

    public static SourceLocation At(string file, Mark mark) => new(file, (int)mark.Line, (int)mark.Column);

    public static SourceLocation At(string file, YamlNode node) => At(file, node.Start);

    private static string Describe(YamlException e)
    {
        // YamlDotNet prefixes messages with "(Line: x, Col: y, ...)": the location is already printed.
        var message = e.InnerException?.Message ?? e.Message;
        var close = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && close > 0 ? message[(close + 3)..] : message;
    }
}
