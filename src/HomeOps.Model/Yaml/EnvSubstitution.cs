using System.Text;

namespace HomeOps.Model.Yaml;

/// <summary>One variable reference that was replaced: its name and the value that went into the text.</summary>
public sealed record Substitution(string Name, string Value);

/// <summary>
/// Variable substitution as talhelper does it (a8m/envsubst v1.4.3, BytesRestricted(noUnset: true, noEmpty: true);
/// parse/lex.go, parse/parse.go, parse/node.go): <c>$NAME</c> and <c>${NAME}</c>, <c>$$</c> for a literal dollar,
/// and the operators <c>${NAME-default}</c>, <c>${NAME:-default}</c>, <c>${NAME=default}</c>, <c>${NAME:=default}</c>,
/// <c>${NAME+alt}</c>, <c>${NAME:+alt}</c>. A name is letters, digits and '_' (it may start with a digit; "_" alone is
/// text). An unset or empty variable is an error unless an operator supplies a value. Text inside YAML comments is
/// left alone (talhelper strips comments before substituting). Works on the raw text so positions stay true; every
/// error is reported with its position, not only the first.
/// </summary>
public static class EnvSubstitution
{
    /// <summary>Substitutes <paramref name="text"/>; <paramref name="used"/> receives every replacement (for redaction).</summary>
    /// <param name="skipComments">True for YAML text: '#' comments are not substituted.</param>
    public static string Apply(string text, string file, IReadOnlyDictionary<string, string> variables, FindingBag findings,
        ICollection<Substitution>? used = null, bool skipComments = true)
    {
        var comments = skipComments ? YamlComments.Spans(text) : [];
        var lineStarts = LineStarts(text);
        var output = new StringBuilder(text.Length);
        var i = 0;
        var comment = 0;
        while (i < text.Length)
        {
            while (comment < comments.Count && comments[comment].End <= i) comment++;
            if (comment < comments.Count && comments[comment].Start <= i)
            {
                output.Append(text, i, comments[comment].End - i);
                i = comments[comment].End;
                continue;
            }
            if (text[i] != '$' || i + 1 >= text.Length)
            {
                output.Append(text[i++]);
                continue;
            }
            var next = text[i + 1];
            if (next == '$')
            {
                output.Append('$'); // "$$" is a literal dollar
                i += 2;
                continue;
            }
            if (next == '{')
            {
                i = Braced(text, i, output, variables, Report, used);
                continue;
            }
            var end = NameEnd(text, i + 1);
            if (end == i + 1 || text[(i + 1)..end] == "_")
            {
                output.Append('$');
                i++;
                continue;
            }
            var name = text[(i + 1)..end];
            if (Lookup(name, variables, out var value) is { } problem)
            {
                Report(i, problem);
                output.Append(text, i, end - i); // kept as written, so one error does not cascade into others
            }
            else
            {
                output.Append(value);
                used?.Add(new Substitution(name, value));
            }
            i = end;
        }
        return output.ToString();

        void Report(int offset, string problem)
        {
            var (line, column) = Position(lineStarts, offset);
            findings.Add(Finding.Error("config/env-missing", new SourceLocation(file, line, column), problem,
                "define it in talenv.yaml or .env, allow it from the environment with HOMEOPS_ENV_ALLOW=NAME, give a default (${NAME:-value}), or write $$ for a literal $"));
        }
    }

    /// <summary>One "${...}" at <paramref name="start"/>; returns where scanning continues.</summary>
    private static int Braced(string text, int start, StringBuilder output, IReadOnlyDictionary<string, string> variables,
        Action<int, string> report, ICollection<Substitution>? used)
    {
        var nameStart = start + 2;
        var nameEnd = NameEnd(text, nameStart);
        var close = text.IndexOfAny(['}', '\n', '\r'], nameStart);
        if (close < 0 || text[close] != '}')
        {
            report(start, $"'{Excerpt(text, start)}' has no closing brace on its line");
            output.Append(text, start, (close < 0 ? text.Length : close) - start);
            return close < 0 ? text.Length : close;
        }
        var name = text[nameStart..nameEnd];
        if (name.Length == 0 && text[nameStart] is not ('}' or '-' or '=' or '+' or ':'))
        {
            report(start, $"'{text[start..(close + 1)]}' is not a variable reference (a name is letters, digits and _)");
            output.Append(text, start, close + 1 - start);
            return close + 1;
        }
        if (name.Length == 0 || name == "_")
        {
            output.Append(text, start, close + 1 - start); // "${}", "${ x}", "${-x}": text, as envsubst leaves them
            return close + 1;
        }
        var rest = text[nameEnd..close];
        string? op = null;
        string? fallback = null;
        foreach (var candidate in new[] { ":-", ":=", ":+", "-", "=", "+" })
            if (rest.StartsWith(candidate, StringComparison.Ordinal))
            {
                op = candidate;
                fallback = rest[candidate.Length..];
                break;
            }
        var set = variables.TryGetValue(name, out var value);
        string? result;
        string? problem = null;
        string? usedName = name;
        switch (op)
        {
            case ":-" or ":=" when fallback!.Length > 0:
                if (set && value!.Length > 0) result = value;
                else (result, problem, usedName) = Fallback(fallback, variables);
                break;
            case "+" or ":+" when fallback!.Length > 0:
                (result, problem, usedName) = set ? Fallback(fallback, variables) : ("", null, null);
                break;
            case "-" or "=" when fallback!.Length > 0 && !set:
                (result, problem, usedName) = Fallback(fallback, variables);
                break;
            default:
                problem = Lookup(name, variables, out var found);
                result = found;
                break;
        }
        if (problem is not null)
        {
            report(start, problem);
            output.Append(text, start, close + 1 - start);
        }
        else
        {
            output.Append(result);
            if (usedName is not null && result!.Length > 0) used?.Add(new Substitution(usedName, result));
        }
        return close + 1;
    }

    /// <summary>A default is a single variable ("$OTHER") or text taken literally, as envsubst's parser keeps it.</summary>
    private static (string? Value, string? Problem, string? Name) Fallback(string fallback, IReadOnlyDictionary<string, string> variables)
    {
        if (fallback[0] == '$' && NameEnd(fallback, 1) == fallback.Length && fallback.Length > 1)
        {
            var name = fallback[1..];
            return Lookup(name, variables, out var value) is { } problem ? (null, problem, null) : (value, null, name);
        }
        return (fallback, null, null);
    }

    private static string? Lookup(string name, IReadOnlyDictionary<string, string> variables, out string value)
    {
        if (!variables.TryGetValue(name, out value!)) return $"variable ${{{name}}} is not set";
        return value.Length == 0 ? $"variable ${{{name}}} is set but empty" : null;
    }

    private static int NameEnd(string text, int from)
    {
        var i = from;
        while (i < text.Length)
        {
            var rune = Rune.GetRuneAt(text, i);
            if (!(rune.Value == '_' || Rune.IsLetter(rune) || Rune.IsDigit(rune))) break;
            i += rune.Utf16SequenceLength;
        }
        return i;
    }

    private static string Excerpt(string text, int start)
    {
        var end = text.IndexOfAny(['\n', '\r'], start);
        var excerpt = text[start..(end < 0 ? text.Length : end)];
        return excerpt.Length > 40 ? excerpt[..40] + "…" : excerpt;
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

/// <summary>Where the '#' comments of a YAML text are, from YamlDotNet's scanner (so '#' inside quotes is not one).</summary>
public static class YamlComments
{
    public static IReadOnlyList<(int Start, int End)> Spans(string text)
    {
        if (!text.Contains('#')) return [];
        var spans = new List<(int, int)>();
        try
        {
            var scanner = new YamlDotNet.Core.Scanner(new StringReader(text), skipComments: false);
            while (scanner.MoveNext())
            {
                // On some malformed input (`a:: b` then an indented `c: 1 # x`) YamlDotNet 16.3's scanner yields the same
                // Error token forever instead of throwing: the first one ends the scan, as an exception would.
                if (scanner.Current is YamlDotNet.Core.Tokens.Error) break;
                if (scanner.Current is YamlDotNet.Core.Tokens.Comment c)
                    spans.Add(((int)c.Start.Index, (int)c.End.Index));
            }
        }
        catch (YamlDotNet.Core.YamlException)
        {
            // Not YAML (the parse reports it later): substitute everything after the last comment found.
        }
        catch (InvalidOperationException)
        {
        }
        return spans;
    }
}
