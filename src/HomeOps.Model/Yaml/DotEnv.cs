using System.Text;
using System.Text.RegularExpressions;

namespace HomeOps.Model.Yaml;

/// <summary>
/// Reads variable files as talhelper does: godotenv v1.5.1's parser (parser.go), which talhelper uses for talenv.yaml as
/// well as for dotenv files. A statement is <c>KEY=value</c> or <c>KEY: value</c>, optionally after <c>export</c>;
/// keys are letters, digits, '_' and '.'; '#' starts a comment line, and " #" ends an unquoted value (from the last one);
/// single quotes are literal; double quotes expand \n and \r. Unquoted and double-quoted values expand $NAME and ${NAME}
/// (upper-case letters, digits, '_') from keys defined earlier in the same file; an unknown name becomes empty.
/// Lines of "---" are blank (talhelper issue #220). Unlike talhelper, which silently loads nothing from a file it cannot
/// parse, a statement that is not KEY=value is reported with its position.
/// </summary>
public static partial class DotEnv
{
    public static Dictionary<string, string> Parse(string text, string file, FindingBag findings)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        text = DocumentSeparator().Replace(text.Replace("\r\n", "\n"), "\n");
        var i = 0;
        while (true)
        {
            // statement start: skip blanks and comment lines
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length) break;
            if (text[i] == '#')
            {
                var eol = text.IndexOf('\n', i);
                if (eol < 0) break;
                i = eol;
                continue;
            }
            var statementStart = i;
            if (text.AsSpan(i).StartsWith("export", StringComparison.Ordinal) && i + 6 < text.Length && IsSpace(text[i + 6]))
            {
                i += 6;
                while (i < text.Length && IsSpace(text[i])) i++;
            }
            var keyStart = i;
            var keyEnd = -1;
            for (; i < text.Length; i++)
            {
                var c = text[i];
                if (IsSpace(c)) continue;
                if (c is '=' or ':')
                {
                    keyEnd = i;
                    i++;
                    break;
                }
                if (c == '_' || char.IsLetterOrDigit(c) || c == '.') continue;
                break;
            }
            if (keyEnd < 0)
            {
                var (line, column) = Position(text, i < text.Length ? i : statementStart);
                findings.Add(Finding.Warning("config/env-syntax", new SourceLocation(file, line, column),
                    $"not a KEY=value (or KEY: value) statement near '{Excerpt(text, statementStart)}'",
                    "talhelper loads nothing from a file it cannot read this way (nested YAML and lists are not variables); write one variable per line"));
                var eol = text.IndexOf('\n', i);
                if (eol < 0) break;
                i = eol;
                continue;
            }
            var key = text[keyStart..keyEnd].TrimEnd();
            while (i < text.Length && IsSpace(text[i])) i++;
            i = Value(text, i, result, out var value, file, findings);
            result[key] = value;
        }
        return result;
    }

    /// <summary>Reads a value starting at <paramref name="i"/>; returns the position after it.</summary>
    private static int Value(string text, int i, Dictionary<string, string> earlier, out string value, string file, FindingBag findings)
    {
        if (i < text.Length && text[i] is '"' or '\'')
        {
            var quote = text[i];
            for (var j = i + 1; j < text.Length; j++)
            {
                if (text[j] != quote || text[j - 1] == '\\') continue;
                var inner = text[(i + 1)..j];
                value = quote == '"' ? Expand(Unescape(inner), earlier) : inner;
                return j + 1;
            }
            var (line, column) = Position(text, i);
            findings.Add(Finding.Warning("config/env-syntax", new SourceLocation(file, line, column), "quoted value is not closed",
                "talhelper loads nothing from this file; close the quote"));
            value = "";
            var eol = text.IndexOf('\n', i);
            return eol < 0 ? text.Length : eol;
        }
        var end = text.IndexOfAny(['\n', '\r'], i);
        if (end < 0) end = text.Length;
        var raw = text[i..end];
        for (var k = raw.Length - 1; k > 0; k--)
            if (raw[k] == '#' && IsSpace(raw[k - 1]))
            {
                raw = raw[..k];
                break;
            }
        value = Expand(raw.Trim(' ', '\t', '\v', '\f', '\r', '\u0085', '\u00A0'), earlier);
        return end;
    }

    [GeneratedRegex(@"(?m)^---\n")]
    private static partial Regex DocumentSeparator();

    [GeneratedRegex(@"(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?")]
    private static partial Regex Reference();

    [GeneratedRegex(@"\\.")]
    private static partial Regex Escape();

    [GeneratedRegex(@"\\([^$])")]
    private static partial Regex Unescapable();

    private static string Expand(string value, Dictionary<string, string> earlier) => Reference().Replace(value, m =>
    {
        if (m.Groups[1].Success) return m.Value[1..];
        return m.Groups[4].Success && m.Groups[4].Value.Length > 0 ? earlier.GetValueOrDefault(m.Groups[4].Value, "") : m.Value;
    });

    private static string Unescape(string value)
    {
        var expanded = Escape().Replace(value, m => m.Value[1] switch
        {
            'n' => "\n",
            'r' => "\r",
            _ => m.Value,
        });
        return Unescapable().Replace(expanded, "$1");
    }

    private static bool IsSpace(char c) => c is '\t' or '\v' or '\f' or '\r' or ' ' or '\u0085' or '\u00A0';

    private static (int Line, int Column) Position(string text, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var k = 0; k < offset && k < text.Length; k++)
            if (text[k] == '\n')
            {
                line++;
                lineStart = k + 1;
            }
        return (line, offset - lineStart + 1);
    }

    private static string Excerpt(string text, int start)
    {
        var end = text.IndexOf('\n', start);
        var s = new StringBuilder(text[start..(end < 0 ? text.Length : end)]);
        return s.Length > 40 ? s.ToString(0, 40) + "…" : s.ToString();
    }
}
