
using System.Text.RegularExpressions;

namespace HomeOps.Model.Yaml;

/// <summary>
/// talhelper-compatible <c>${VAR}</c> / <c>${VAR:-default}</c> substitution on the raw text.
/// Working on text (before YAML parsing) keeps line numbers intact, so later findings still
/// point at the operator's file. Bare <c>$VAR</c> is deliberately left alone: passwords and
/// CEL expressions contain dollars, and a silent rewrite would be worse than a missing feature.
/// </summary>
public static partial class EnvSubstitution
{
    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?<default>[^}]*))?\}")]
    private static partial Regex Reference();

    public static string Apply(string text, string file, IReadOnlyDictionary<string, string> variables, FindingBag findings)
    {
        var lineStarts = LineStarts(text);
        return Reference().Replace(text, match =>
        {
            var name = match.Groups["name"].Value;
            if (variables.TryGetValue(name, out var value) && value.Length > 0) return value;
            if (match.Groups["default"].Success) return match.Groups["default"].Value;
            var (line, column) = Position(lineStarts, match.Index);
            findings.Add(Finding.Error("config/env-missing", new SourceLocation(file, line, column),
                $"environment variable {name} is not set or empty",
                $"export {name}=… or add it to .env (see .env.example), or write ${{{name}:-default}}"));
            return match.Value;
        });
    }

    private static List<int> LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
            if (text[i] == '\n') starts.Add(i + 1);
        return starts;
    }

    private static (int Line, int Column) Position(List<int> lineStarts, int offset)
    {
        var index = lineStarts.BinarySearch(offset);
        if (index < 0) index = ~index - 1;
        return (index + 1, offset - lineStarts[index] + 1);
    }
}
