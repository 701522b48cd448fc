using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HomeOps.Compile.Talhelper.Templates;

/// <summary>
/// The functions a talhelper template may call: Go text/template's builtins and the deterministic part of Masterminds sprig v3
/// (strings, lists, dicts, math, regex, encoding). sprig's clock, random and crypto-key functions are left out on purpose:
/// a render must be reproducible. Argument order is sprig's (the piped value comes last).
/// </summary>
public static class TemplateFunctions
{
    private delegate object? Function(IReadOnlyList<object?> args);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static readonly Dictionary<string, Function> Table = new(StringComparer.Ordinal)
    {
        // text/template builtins
        ["and"] = a => { Need(a, 1, "and"); foreach (var v in a) if (!TemplateValues.Truth(v)) return v; return a[^1]; },
        ["or"] = a => { Need(a, 1, "or"); foreach (var v in a) if (TemplateValues.Truth(v)) return v; return a[^1]; },
        ["not"] = a => !TemplateValues.Truth(One(a, "not")),
        ["len"] = a => (long)(One(a, "len") switch
        {
            string s => Encoding.UTF8.GetByteCount(s),
            IReadOnlyDictionary<string, object?> m => m.Count,
            ICollection c => c.Count,
            var v => throw new TemplateException($"len of type {TemplateValues.TypeName(v)}"),
        }),
        ["index"] = a => Index(a),
        ["print"] = a => GoPrint(a),
        ["println"] = a => string.Join(' ', a.Select(TemplateValues.Print)) + "\n",
        ["printf"] = a => Printf(Text(a[0]), a.Skip(1).ToList()),
        ["eq"] = a => a.Skip(1).Any(b => Equal(a[0], b)),
        ["ne"] = a => !Equal(Two(a, "ne").A, a[1]),
        ["lt"] = a => Compare(Two(a, "lt")) < 0,
        ["le"] = a => Compare(Two(a, "le")) <= 0,
        ["gt"] = a => Compare(Two(a, "gt")) > 0,
        ["ge"] = a => Compare(Two(a, "ge")) >= 0,
        ["urlquery"] = a => Uri.EscapeDataString(GoPrint(a)),
        // sprig: strings
        ["default"] = a => a.Count < 2 || !TemplateValues.Truth(a[^1]) ? a[0] : a[^1],
        ["empty"] = a => !TemplateValues.Truth(One(a, "empty")),
        ["coalesce"] = a => a.FirstOrDefault(TemplateValues.Truth),
        ["ternary"] = a => TemplateValues.Truth(a[2]) ? a[0] : a[1],
        ["contains"] = a => Text(a[1]).Contains(Text(a[0]), StringComparison.Ordinal),
        ["hasPrefix"] = a => Text(a[1]).StartsWith(Text(a[0]), StringComparison.Ordinal),
        ["hasSuffix"] = a => Text(a[1]).EndsWith(Text(a[0]), StringComparison.Ordinal),
        ["trim"] = a => Text(One(a, "trim")).Trim(),
        ["trimAll"] = a => Text(a[1]).Trim(Text(a[0]).ToCharArray()),
        ["trimall"] = a => Text(a[1]).Trim(Text(a[0]).ToCharArray()),
        ["trimPrefix"] = a => Text(a[1]).StartsWith(Text(a[0]), StringComparison.Ordinal) ? Text(a[1])[Text(a[0]).Length..] : Text(a[1]),
        ["trimSuffix"] = a => Text(a[1]).EndsWith(Text(a[0]), StringComparison.Ordinal) ? Text(a[1])[..^Text(a[0]).Length] : Text(a[1]),
        ["upper"] = a => Text(One(a, "upper")).ToUpperInvariant(),
        ["lower"] = a => Text(One(a, "lower")).ToLowerInvariant(),
        ["title"] = a => string.Join(' ', Text(One(a, "title")).Split(' ').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..])),
        ["replace"] = a => Text(a[2]).Replace(Text(a[0]), Text(a[1]), StringComparison.Ordinal),
        ["repeat"] = a => string.Concat(Enumerable.Repeat(Text(a[1]), (int)Int(a[0]))),
        ["substr"] = a => Substring(Text(a[2]), (int)Int(a[0]), (int)Int(a[1])),
        ["trunc"] = a => Truncate(Text(a[1]), (int)Int(a[0])),
        ["quote"] = a => string.Join(' ', a.Where(v => v is not null).Select(v => JsonSerializer.Serialize(TemplateValues.Print(v)))),
        ["squote"] = a => string.Join(' ', a.Where(v => v is not null).Select(v => $"'{TemplateValues.Print(v)}'")),
        ["cat"] = a => string.Join(' ', a.Where(v => v is not null).Select(TemplateValues.Print)),
        ["indent"] = a => Indent(Text(a[1]), (int)Int(a[0])),
        ["nindent"] = a => "\n" + Indent(Text(a[1]), (int)Int(a[0])),
        ["nospace"] = a => Regex.Replace(Text(One(a, "nospace")), @"\s", ""),
        ["toString"] = a => TemplateValues.Print(One(a, "toString")),
        ["toJson"] = a => JsonSerializer.Serialize(Plain(One(a, "toJson"))),
        ["toPrettyJson"] = a => JsonSerializer.Serialize(Plain(One(a, "toPrettyJson")), Indented),
        ["split"] = a => Text(a[1]).Split(Text(a[0])).Select((s, i) => (s, i)).ToDictionary(p => $"_{p.i}", p => (object?)p.s) as IReadOnlyDictionary<string, object?>,
        ["splitList"] = a => Text(a[1]).Split(Text(a[0])).Cast<object?>().ToList(),
        ["splitn"] = a => Text(a[2]).Split(Text(a[0]), (int)Int(a[1])).Select((s, i) => (s, i)).ToDictionary(p => $"_{p.i}", p => (object?)p.s) as IReadOnlyDictionary<string, object?>,
        ["join"] = a => TemplateValues.Join(List(a[1]), Text(a[0])),
        ["toStrings"] = a => List(One(a, "toStrings")).Select(v => (object?)TemplateValues.Print(v)).ToList(),
        // sprig: lists and dicts
        ["list"] = a => a.ToList(),
        ["first"] = a => List(One(a, "first")).FirstOrDefault(),
        ["last"] = a => List(One(a, "last")).LastOrDefault(),
        ["rest"] = a => List(One(a, "rest")).Skip(1).ToList(),
        ["initial"] = a => List(One(a, "initial")).SkipLast(1).ToList(),
        ["uniq"] = a => List(One(a, "uniq")).Distinct().ToList(),
        ["has"] = a => List(a[1]).Any(v => Equal(v, a[0])),
        ["append"] = a => List(a[0]).Append(a[1]).ToList(),
        ["dict"] = a => Enumerable.Range(0, a.Count / 2).ToDictionary(i => Text(a[i * 2]), i => a[i * 2 + 1], StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        ["get"] = a => Map(a[0]).GetValueOrDefault(Text(a[1]), ""),
        ["hasKey"] = a => Map(a[0]).ContainsKey(Text(a[1])),
        ["keys"] = a => a.SelectMany(m => Map(m).Keys).Cast<object?>().ToList(),
        ["until"] = a => Enumerable.Range(0, (int)Int(a[0])).Select(i => (object?)(long)i).ToList(),
        // sprig: math
        ["add"] = a => a.Aggregate(0L, (s, v) => s + Int(v)),
        ["add1"] = a => Int(One(a, "add1")) + 1,
        ["sub"] = a => Int(a[0]) - Int(a[1]),
        ["mul"] = a => a.Aggregate(1L, (s, v) => s * Int(v)),
        ["div"] = a => Int(a[1]) == 0 ? throw new TemplateException("division by zero") : Int(a[0]) / Int(a[1]),
        ["mod"] = a => Int(a[1]) == 0 ? throw new TemplateException("division by zero") : Int(a[0]) % Int(a[1]),
        ["max"] = a => a.Max(Int),
        ["min"] = a => a.Min(Int),
        ["atoi"] = a => long.TryParse(Text(One(a, "atoi")), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0L,
        ["int"] = a => Int(One(a, "int")),
        ["int64"] = a => Int(One(a, "int64")),
        ["float64"] = a => One(a, "float64") switch { long l => (double)l, double d => d, var v => double.TryParse(Text(v), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) ? f : 0d },
        // sprig: regex and encoding
        ["regexMatch"] = a => Regex.IsMatch(Text(a[1]), Text(a[0])),
        ["regexFind"] = a => Regex.Match(Text(a[1]), Text(a[0])) is { Success: true } m ? m.Value : "",
        ["regexFindAll"] = a => Regex.Matches(Text(a[1]), Text(a[0])).Take(Int(a[2]) < 0 ? int.MaxValue : (int)Int(a[2])).Select(m => (object?)m.Value).ToList(),
        ["regexReplaceAll"] = a => Regex.Replace(Text(a[2]), Text(a[0]), GoReplacement(Text(a[1]))),
        ["regexReplaceAllLiteral"] = a => Regex.Replace(Text(a[2]), Text(a[0]), Text(a[1]).Replace("$", "$$", StringComparison.Ordinal)),
        ["regexSplit"] = a => Regex.Split(Text(a[1]), Text(a[0])).Take(Int(a[2]) < 0 ? int.MaxValue : (int)Int(a[2])).Cast<object?>().ToList(),
        ["b64enc"] = a => Convert.ToBase64String(Encoding.UTF8.GetBytes(Text(One(a, "b64enc")))),
        ["b64dec"] = a => Encoding.UTF8.GetString(Convert.FromBase64String(Text(One(a, "b64dec")))),
        ["sha256sum"] = a => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text(One(a, "sha256sum"))))),
        ["fail"] = a => throw new TemplateException(Text(One(a, "fail"))),
        ["required"] = a => a.Count == 2 && TemplateValues.Truth(a[1]) ? a[1] : throw new TemplateException(Text(a[0])),
    };

    public static bool Exists(string name) => Table.ContainsKey(name);

    public static object? Call(string name, IReadOnlyList<object?> args)
    {
        try { return Table[name](args); }
        catch (ArgumentOutOfRangeException) { throw new TemplateException($"wrong number of arguments for {name}"); }
        catch (IndexOutOfRangeException) { throw new TemplateException($"wrong number of arguments for {name}"); }
        catch (FormatException e) { throw new TemplateException(e.Message); }
        catch (RegexParseException e) { throw new TemplateException($"bad regular expression: {e.Message}"); }
    }

    private static void Need(IReadOnlyList<object?> a, int count, string name)
    {
        if (a.Count < count) throw new TemplateException($"wrong number of arguments for {name}: want at least {count}, got {a.Count}");
    }

    private static object? One(IReadOnlyList<object?> a, string name) =>
        a.Count == 1 ? a[0] : throw new TemplateException($"wrong number of arguments for {name}: want 1, got {a.Count}");

    private static (object? A, object? B) Two(IReadOnlyList<object?> a, string name) =>
        a.Count == 2 ? (a[0], a[1]) : throw new TemplateException($"wrong number of arguments for {name}: want 2, got {a.Count}");

    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        _ => TemplateValues.Print(value),
    };

    private static long Int(object? value) => value switch
    {
        long l => l,
        int i => i,
        double d => (long)d,
        bool b => b ? 1 : 0,
        string s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0,
        _ => 0,
    };

    private static List<object?> List(object? value) => value switch
    {
        null => [],
        string => throw new TemplateException("expected a list, got a string"),
        IReadOnlyDictionary<string, object?> => throw new TemplateException("expected a list, got a map"),
        IEnumerable e => e.Cast<object?>().ToList(),
        _ => throw new TemplateException($"expected a list, got {TemplateValues.TypeName(value)}"),
    };

    private static IReadOnlyDictionary<string, object?> Map(object? value) =>
        value as IReadOnlyDictionary<string, object?> ?? throw new TemplateException($"expected a map, got {TemplateValues.TypeName(value)}");

    private static bool Equal(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (long x, long y) => x == y,
        (long x, double y) => x == y,
        (double x, long y) => x == y,
        (double x, double y) => x == y,
        (string x, string y) => x == y,
        (bool x, bool y) => x == y,
        _ => false,
    };

    private static int Compare((object? A, object? B) pair) => pair switch
    {
        (string x, string y) => string.CompareOrdinal(x, y),
        ({ } x, { } y) when x is long or double && y is long or double => Convert.ToDouble(x, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(y, CultureInfo.InvariantCulture)),
        _ => throw new TemplateException($"incompatible types for comparison: {TemplateValues.TypeName(pair.A)} and {TemplateValues.TypeName(pair.B)}"),
    };

    private static object? Index(IReadOnlyList<object?> a)
    {
        var value = a[0];
        foreach (var key in a.Skip(1))
            value = value switch
            {
                IReadOnlyDictionary<string, object?> m => m.GetValueOrDefault(Text(key)),
                IList l when Int(key) >= 0 && Int(key) < l.Count => l[(int)Int(key)],
                IList l => throw new TemplateException($"index out of range: {Int(key)}"),
                null => throw new TemplateException("index of untyped nil"),
                _ => throw new TemplateException($"can't index item of type {TemplateValues.TypeName(value)}"),
            };
        return value;
    }

    /// <summary>fmt.Sprint: spaces only between operands when neither is a string.</summary>
    private static string GoPrint(IReadOnlyList<object?> a)
    {
        var b = new StringBuilder();
        for (var i = 0; i < a.Count; i++)
        {
            if (i > 0 && a[i] is not string && a[i - 1] is not string) b.Append(' ');
            b.Append(a[i] is null ? "<nil>" : TemplateValues.Print(a[i]));
        }
        return b.ToString();
    }

    /// <summary>fmt.Sprintf for the verbs templates use: %s %v %d %q %t %f %x %%, with a width.</summary>
    private static string Printf(string format, List<object?> args)
    {
        var b = new StringBuilder();
        var next = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                b.Append(format[i]);
                continue;
            }
            var j = i + 1;
            var leftAlign = j < format.Length && format[j] == '-';
            if (leftAlign) j++;
            var widthStart = j;
            while (j < format.Length && char.IsDigit(format[j])) j++;
            var width = j > widthStart ? int.Parse(format[widthStart..j], CultureInfo.InvariantCulture) : 0;
            var precision = -1;
            if (j < format.Length && format[j] == '.')
            {
                var p = ++j;
                while (j < format.Length && char.IsDigit(format[j])) j++;
                precision = j > p ? int.Parse(format[p..j], CultureInfo.InvariantCulture) : 0;
            }
            if (j >= format.Length) break;
            var verb = format[j];
            i = j;
            if (verb == '%')
            {
                b.Append('%');
                continue;
            }
            if (next >= args.Count)
            {
                b.Append($"%!{verb}(MISSING)");
                continue;
            }
            var arg = args[next++];
            var text = verb switch
            {
                's' or 'v' => arg is null ? "<nil>" : TemplateValues.Print(arg),
                'd' => Int(arg).ToString(CultureInfo.InvariantCulture),
                'q' => JsonSerializer.Serialize(Text(arg)),
                't' => TemplateValues.Truth(arg) ? "true" : "false",
                'f' => Convert.ToDouble(arg ?? 0, CultureInfo.InvariantCulture).ToString("F" + (precision < 0 ? 6 : precision), CultureInfo.InvariantCulture),
                'x' => arg is string s ? Convert.ToHexStringLower(Encoding.UTF8.GetBytes(s)) : Int(arg).ToString("x", CultureInfo.InvariantCulture),
                _ => $"%!{verb}({TemplateValues.TypeName(arg)}={TemplateValues.Print(arg)})",
            };
            b.Append(leftAlign ? text.PadRight(width) : text.PadLeft(width));
        }
        for (; next < args.Count; next++) b.Append($"%!(EXTRA {TemplateValues.TypeName(args[next])}={TemplateValues.Print(args[next])})");
        return b.ToString();
    }

    private static string Substring(string s, int start, int end)
    {
        if (start < 0) return s[..Math.Min(Math.Max(end, 0), s.Length)];
        if (end < 0 || end > s.Length) return start > s.Length ? "" : s[start..];
        return start > end ? "" : s[start..end];
    }

    private static string Truncate(string s, int length) => length < 0
        ? (-length >= s.Length ? s : s[(s.Length + length)..])
        : length >= s.Length ? s : s[..length];

    private static string Indent(string s, int spaces)
    {
        var pad = new string(' ', spaces);
        return pad + s.Replace("\n", "\n" + pad, StringComparison.Ordinal);
    }

    /// <summary>Go's regexp replacement syntax ($1, ${name}) maps onto .NET's except for a bare $name.</summary>
    private static string GoReplacement(string replacement) => Regex.Replace(replacement, @"\$([A-Za-z_]\w*)", "${$1}");

    private static object? Plain(object? value) => value switch
    {
        IReadOnlyDictionary<string, object?> m => m.ToDictionary(p => p.Key, p => Plain(p.Value)),
        string => value,
        ITemplateObject o => o.ToString(),
        IEnumerable e => e.Cast<object?>().Select(Plain).ToList(),
        _ => value,
    };
}
