using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using HomeOps.Compile.Talos.Lines;

namespace HomeOps.Compile.Talos;

/// <summary>A value as Go holds it before YAML encoding: a scalar (string, long, ulong, double, bool, null), an ordered mapping or a list.</summary>
public abstract record GoValue
{
    public sealed record Scalar(object? Value) : GoValue;

    /// <summary>Entries in the order they are written (struct field order; a Go map is sorted before it gets here).</summary>
    public sealed record Map(IReadOnlyList<(GoValue Key, GoValue Value)> Entries) : GoValue;

    public sealed record List(IReadOnlyList<GoValue> Items) : GoValue;

    public static GoValue Of(object? value) => value as GoValue ?? new Scalar(value);

    /// <summary>A Go map[string]any: keys sorted as the encoder sorts them.</summary>
    public static Map SortedMap(IEnumerable<(string Key, GoValue Value)> entries) =>
        new(entries.OrderBy(e => e.Key, GoKeyOrder.Instance).Select(e => ((GoValue)new Scalar(e.Key), e.Value)).ToList());
}

/// <summary>
/// go.yaml.in/yaml/v4's Marshal (v4.0.0-rc.5/rc.6: Dump with WithV3Defaults and WithLineWidth(-1)), which the Image Factory
/// hashes for schematic IDs: 4-space indentation, sequences indented under their key, "- " items whose mapping keys follow
/// the dash, the v3 indentation rule for content nested in a sequence item (internal/libyaml emitter increaseIndent), and
/// its choice of scalar style (representer stringv, desolver, emitter analyzeScalar/selectScalarStyle):
/// literal blocks for multi-line text, single quotes for YAML 1.1 booleans and where a plain scalar is not allowed,
/// double quotes for strings that would read back as another type. Lines are never wrapped.
/// </summary>
public static partial class GoYaml
{
    /// <summary>
    /// Documents as Talos writes a machine config (gopkg.in/yaml.v3 at indent 4, joined with "---"), which this emitter matches
    /// but for YAML 1.1 booleans, which yaml.v3 double-quotes: <paramref name="v3"/> keeps that.
    /// </summary>
    public static string Marshal(IEnumerable<System.Text.Json.Nodes.JsonNode> documents, bool v3 = true, int indent = 4) =>
        string.Join("---\n", documents.Select(d => Marshal(FileModes(FromJson(d), d), new Style(indent, v3))));

    /// <summary>Talos writes a machine file's mode in octal (v1alpha1 FileMode.MarshalYAML: "0o" + octal).</summary>
    private static GoValue FileModes(GoValue value, System.Text.Json.Nodes.JsonNode document)
    {
        if (document["kind"] is not null || value is not GoValue.Map root) return value;
        return new GoValue.Map(root.Entries.Select(e => e is { Key: GoValue.Scalar { Value: "machine" }, Value: GoValue.Map machine }
            ? (e.Key, (GoValue)new GoValue.Map(machine.Entries.Select(m => m is { Key: GoValue.Scalar { Value: "files" }, Value: GoValue.List files }
                ? (m.Key, (GoValue)new GoValue.List(files.Items.Select(f => f is GoValue.Map file
                    ? new GoValue.Map(file.Entries.Select(x => x is { Key: GoValue.Scalar { Value: "permissions" }, Value: GoValue.Scalar { Value: long mode } }
                        ? (x.Key, (GoValue)new GoValue.Scalar(new Octal(mode))) : x).ToList())
                    : f).ToList()))
                : m).ToList()))
            : e).ToList());
    }

    /// <summary>An integer Go writes as 0o-prefixed octal.</summary>
    public sealed record Octal(long Value)
    {
        public override string ToString() => "0o" + Convert.ToString(Value, 8);
    }

    /// <summary>A JSON tree as Go values: objects keep their key order, integral numbers are integers.</summary>
    public static GoValue FromJson(System.Text.Json.Nodes.JsonNode? node) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => new GoValue.Map(o.Select(p => ((GoValue)new GoValue.Scalar(p.Key), FromJson(p.Value))).ToList()),
        System.Text.Json.Nodes.JsonArray a => new GoValue.List(a.Select(FromJson).ToList()),
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out var s) => new GoValue.Scalar(s),
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue<bool>(out var b) => new GoValue.Scalar(b),
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue<long>(out var l) => new GoValue.Scalar(l),
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue<double>(out var d) => new GoValue.Scalar(d == Math.Floor(d) && Math.Abs(d) < 1e15 && !v.ToJsonString().Contains('.', StringComparison.Ordinal) ? (long)d : d),
        null => new GoValue.Scalar(null),
        _ => new GoValue.Scalar(node.ToJsonString()),
    };

    /// <summary>go.yaml.in/yaml/v4's Marshal (the image factory's): indent 4, YAML 1.1 booleans single-quoted.</summary>
    public static string Marshal(GoValue root) => Marshal(root, new Style(4, V3: false));

    /// <summary>yaml.v3's Encoder at <paramref name="indent"/> (what talhelper and Talos write): YAML 1.1 booleans double-quoted.</summary>
    public static string Marshal(GoValue root, bool v3, int indent = 4) => Marshal(root, new Style(indent, v3));

    /// <summary>How a document is written: the indentation step, and whether YAML 1.1 booleans get yaml.v3's double quotes.</summary>
    private sealed record Style(int Indent, bool V3);

    private static string Marshal(GoValue root, Style o)
    {
        var w = new StringBuilder();
        switch (root)
        {
            case GoValue.Map { Entries.Count: > 0 } map: WriteMap(w, o, map, 0, atLineStart: true); break;
            case GoValue.List { Items.Count: > 0 } list: WriteList(w, o, list, 0, atLineStart: true); break;
            default: w.Append(Inline(o, root, key: false)).Append('\n'); break;
        }
        return w.ToString();
    }

    /// <summary>The indent of a collection nested in one at <paramref name="parent"/>: +2 inside a sequence item, else the next multiple of 4.</summary>
    private static int Nested(Style o, int parent, bool inSequenceItem) => inSequenceItem ? parent + 2 : o.Indent * ((parent + o.Indent) / o.Indent);

    private static void WriteMap(StringBuilder w, Style o, GoValue.Map map, int indent, bool atLineStart)
    {
        var first = true;
        foreach (var (key, value) in map.Entries)
        {
            if (!first || atLineStart) w.Append(' ', indent);
            first = false;
            w.Append(Inline(o, key, key: true)).Append(':');
            WriteValue(w, o, value, indent, inSequenceItem: false);
        }
    }

    private static void WriteList(StringBuilder w, Style o, GoValue.List list, int indent, bool atLineStart)
    {
        var first = true;
        foreach (var item in list.Items)
        {
            if (!first || atLineStart) w.Append(' ', indent);
            first = false;
            w.Append('-');
            switch (item)
            {
                case GoValue.Map { Entries.Count: > 0 } m:
                    w.Append(' ');
                    WriteMap(w, o, m, Nested(o, indent, inSequenceItem: true), atLineStart: false);
                    break;
                case GoValue.List { Items.Count: > 0 } l:
                    w.Append(' ');
                    WriteList(w, o, l, Nested(o, indent, inSequenceItem: true), atLineStart: false);
                    break;
                default:
                    WriteScalarValue(w, o, item, indent, inSequenceItem: true);
                    break;
            }
        }
    }

    /// <summary>What follows "key:" — a nested block on the next lines, or " scalar".</summary>
    private static void WriteValue(StringBuilder w, Style o, GoValue value, int indent, bool inSequenceItem)
    {
        switch (value)
        {
            case GoValue.Map { Entries.Count: > 0 } m:
                w.Append('\n');
                WriteMap(w, o, m, Nested(o, indent, inSequenceItem), atLineStart: true);
                break;
            case GoValue.List { Items.Count: > 0 } l:
                w.Append('\n');
                WriteList(w, o, l, Nested(o, indent, inSequenceItem), atLineStart: true);
                break;
            default:
                WriteScalarValue(w, o, value, indent, inSequenceItem);
                break;
        }
    }

    private static void WriteScalarValue(StringBuilder w, Style o, GoValue value, int indent, bool inSequenceItem)
    {
        if (value is GoValue.Scalar { Value: string text } && Choose(o, text, key: false) == ScalarStyle.Literal)
        {
            w.Append(' ');
            WriteLiteral(w, o, text, Nested(o, indent, inSequenceItem));
            return;
        }
        w.Append(' ').Append(Inline(o, value, key: false)).Append('\n');
    }

    private static string Inline(Style o, GoValue value, bool key) => value switch
    {
        GoValue.Map => "{}",
        GoValue.List => "[]",
        GoValue.Scalar { Value: string s } => Choose(o, s, key) switch
        {
            ScalarStyle.Plain => s,
            ScalarStyle.Single => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
            _ => DoubleQuoted(s),
        },
        GoValue.Scalar { Value: null } => "null",
        GoValue.Scalar { Value: bool b } => b ? "true" : "false",
        GoValue.Scalar { Value: double d } => Float(d),
        GoValue.Scalar { Value: float f } => Float(f),
        GoValue.Scalar { Value: Octal octal } => octal.ToString(),
        GoValue.Scalar { Value: var n } => Convert.ToString(n, CultureInfo.InvariantCulture)!,
        _ => throw new InvalidOperationException("unknown value"),
    };

    private enum ScalarStyle { Plain, Single, Double, Literal }

    /// <summary>The style go-yaml v4 writes <paramref name="s"/> in, as a value or (<paramref name="key"/>) a simple key.</summary>
    private static ScalarStyle Choose(Style o, string s, bool key)
    {
        var analysis = Analyze(s);
        ScalarStyle style;
        if (s.Contains('\n', StringComparison.Ordinal))
            style = s.Length >= 2 && s.Any(c => !char.IsWhiteSpace(c)) ? ScalarStyle.Literal : ScalarStyle.Double;
        else if (IsOldBool(s) || s == "<<" || Base60().IsMatch(s)) style = o.V3 ? ScalarStyle.Double : ScalarStyle.Single; // v4 rc.5 changed "on" to 'on'
        else if (!ResolvesToString(s)) style = ScalarStyle.Double;
        else style = ScalarStyle.Plain;

        if (key && analysis.Multiline) style = ScalarStyle.Double;
        if (style == ScalarStyle.Plain && (!analysis.BlockPlainAllowed || s.Length == 0 && key)) style = ScalarStyle.Single;
        if (style == ScalarStyle.Single && !analysis.SingleQuotedAllowed) style = ScalarStyle.Double;
        if (style == ScalarStyle.Literal && (!analysis.BlockAllowed || key)) style = ScalarStyle.Double;
        return style;
    }

    private sealed record Analysis(bool Multiline, bool BlockPlainAllowed, bool SingleQuotedAllowed, bool BlockAllowed);

    /// <summary>libyaml's analyzeScalar, block context (internal/libyaml/emitter.go).</summary>
    private static Analysis Analyze(string value)
    {
        if (value.Length == 0) return new Analysis(false, true, true, false);
        bool blockIndicators = false, lineBreaks = false, special = false, tabs = false;
        bool leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false, breakSpace = false, spaceBreak = false;
        bool previousSpace = false, previousBreak = false;
        if (value.StartsWith("---", StringComparison.Ordinal) || value.StartsWith("...", StringComparison.Ordinal)) blockIndicators = true;
        var precededByWhitespace = true;
        var runes = value.EnumerateRunes().ToArray();
        for (var i = 0; i < runes.Length; i++)
        {
            var c = runes[i].Value;
            var followedByWhitespace = i + 1 >= runes.Length || runes[i + 1].Value is ' ' or '\t' or '\n' or '\r' or 0x85 or 0x2028 or 0x2029;
            if (i == 0)
            {
                switch (c)
                {
                    case '#' or ',' or '[' or ']' or '{' or '}' or '&' or '*' or '!' or '|' or '>' or '\'' or '"' or '%' or '@' or '`':
                        blockIndicators = true;
                        break;
                    case '?' or ':' when followedByWhitespace:
                        blockIndicators = true;
                        break;
                    case '-' when followedByWhitespace:
                        blockIndicators = true;
                        break;
                }
            }
            else
            {
                switch (c)
                {
                    case ':' when followedByWhitespace:
                        blockIndicators = true;
                        break;
                    case '#' when precededByWhitespace:
                        blockIndicators = true;
                        break;
                }
            }
            if (c == '\t') tabs = true;
            else if (!Printable(c)) special = true;
            if (c == ' ')
            {
                if (i == 0) leadingSpace = true;
                if (i == runes.Length - 1) trailingSpace = true;
                if (previousBreak) breakSpace = true;
                previousSpace = true;
                previousBreak = false;
            }
            else if (c is '\n' or '\r' or 0x85 or 0x2028 or 0x2029)
            {
                lineBreaks = true;
                if (i == 0) leadingBreak = true;
                if (i == runes.Length - 1) trailingBreak = true;
                if (previousSpace) spaceBreak = true;
                previousSpace = false;
                previousBreak = true;
            }
            else
            {
                previousSpace = false;
                previousBreak = false;
            }
            precededByWhitespace = c is ' ' or '\t' or '\n' or '\r' or 0x85 or 0x2028 or 0x2029;
        }
        bool blockPlain = true, single = true, block = true;
        if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) blockPlain = false;
        if (trailingSpace) block = false;
        if (breakSpace) blockPlain = single = false;
        if (spaceBreak || tabs || special) blockPlain = single = false;
        if (spaceBreak || special) block = false;
        if (lineBreaks) blockPlain = false;
        if (blockIndicators) blockPlain = false;
        return new Analysis(lineBreaks, blockPlain, single, block);
    }

    /// <summary>go-yaml's is_printable (yamlprivateh.go): as libyaml, but neither NEL (0x85) nor anything beyond the BMP counts.</summary>
    private static bool Printable(int c) =>
        c == 0x0A || c is >= 0x20 and <= 0x7E || c is >= 0xA0 and <= 0xD7FF || c is >= 0xE000 and <= 0xFFFD && c != 0xFEFF;

    private static bool IsOldBool(string s) => s is "y" or "Y" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "n" or "N" or "no" or "No" or "NO" or "off" or "Off" or "OFF";

    [GeneratedRegex(@"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")]
    private static partial Regex Base60();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex YamlFloat();

    [GeneratedRegex(@"^\d{4}-\d{1,2}-\d{1,2}(([Tt]|[ \t]+)\d{1,2}:\d{1,2}:\d{1,2}(\.\d*)?([ \t]*(Z|[-+]\d{1,2}(:\d{2})?))?)?$")]
    private static partial Regex Timestamp();

    /// <summary>Whether a plain scalar <paramref name="s"/> would read back as a string (Go YAML's resolve).</summary>
    public static bool ResolvesToString(string s)
    {
        switch (s)
        {
            case "" or "~" or "null" or "Null" or "NULL" or "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
                or ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" or "-.inf" or "-.Inf" or "-.INF" or ".nan" or ".NaN" or ".NAN":
                return false;
        }
        if (s[0] is not ('-' or '+' or '.' or (>= '0' and <= '9'))) return true;
        if (Talhelper.GoIntegers.TryParse(s, out _, out _)) return false;
        if (YamlFloat().IsMatch(s.Replace("_", "", StringComparison.Ordinal))) return false;
        return !Timestamp().IsMatch(s);
    }

    private static string DoubleQuoted(string s)
    {
        var b = new StringBuilder("\"");
        foreach (var rune in s.EnumerateRunes())
        {
            var c = rune.Value;
            b.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                0 => "\\0",
                7 => "\\a",
                8 => "\\b",
                9 => "\\t",
                10 => "\\n",
                11 => "\\v",
                12 => "\\f",
                13 => "\\r",
                27 => "\\e",
                0x85 => "\\N",
                0xA0 => "\\_",
                0x2028 => "\\L",
                0x2029 => "\\P",
                _ when Printable(c) => rune.ToString(),
                _ when c <= 0xFF => $"\\x{c:X2}",
                _ when c <= 0xFFFF => $"\\u{c:X4}",
                _ => $"\\U{c:X8}",
            });
        }
        return b.Append('"').ToString();
    }

    /// <summary>A literal block scalar: "|", an indentation hint when it starts with a space or break, the chomping indicator, then the lines.</summary>
    private static void WriteLiteral(StringBuilder w, Style o, string s, int indent)
    {
        w.Append('|');
        if (s[0] is ' ' or '\n') w.Append(o.Indent.ToString(CultureInfo.InvariantCulture));
        if (!s.EndsWith('\n')) w.Append('-');
        else if (s.Length == 1 || s[^2] == '\n') w.Append('+');
        w.Append('\n');
        var body = s.EndsWith('\n') ? s[..^1] : s;
        foreach (var line in body.Split('\n'))
        {
            if (line.Length > 0) w.Append(' ', indent).Append(line);
            w.Append('\n');
        }
    }

    /// <summary>strconv.FormatFloat(f, 'g', -1, 64) with YAML's .inf/.nan.</summary>
    public static string Float(double d) =>
        double.IsPositiveInfinity(d) ? ".inf" : double.IsNegativeInfinity(d) ? "-.inf" : double.IsNaN(d) ? ".nan" : GoFloat(d);

    /// <summary>
    /// strconv.FormatFloat(f, 'g', -1, 64) (strconv/ftoa.go): the shortest digits that round-trip, in %e form when the exponent
    /// is below -4 or at least 6, else in %f form; exponents have at least two digits.
    /// </summary>
    public static string GoFloat(double d)
    {
        if (d == 0) return double.IsNegative(d) ? "-0" : "0";
        var (digits, exponent) = Digits(Math.Abs(d).ToString("R", CultureInfo.InvariantCulture));
        var sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 6)
        {
            var mantissa = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
            return $"{sign}{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }
        if (exponent >= digits.Length - 1) return sign + digits + new string('0', exponent - digits.Length + 1);
        if (exponent >= 0) return sign + digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
        return sign + "0." + new string('0', -exponent - 1) + digits;
    }

    /// <summary>The significant digits of a .NET "R" rendering and the decimal exponent of the first one.</summary>
    private static (string Digits, int Exponent) Digits(string r)
    {
        var e = r.IndexOf('E', StringComparison.Ordinal);
        var exponent = e >= 0 ? int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture) : 0;
        var mantissa = e >= 0 ? r[..e] : r;
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var frac = dot >= 0 ? mantissa[(dot + 1)..] : "";
        var all = (intPart + frac).TrimStart('0');
        var leadingZeros = (intPart + frac).Length - all.Length;
        exponent += intPart.Length - 1 - leadingZeros;
        all = all.TrimEnd('0');
        return (all.Length == 0 ? "0" : all, exponent);
    }
}
