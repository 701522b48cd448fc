using System.Text.Json.Nodes;
using HomeOps.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Talhelper;

/// <summary>
/// A machine file's permissions as talhelper reads them: Talos' FileMode is a uint32 without its own YAML decoder, so Go's
/// yaml.v3 integer resolver decides (strconv.ParseInt(s, 0, 64) after removing '_'): 0600 and 0o600 are octal, 0x180 hex,
/// 0b110000000 binary, 600 is decimal 600 (= 0o1130). A quoted value is a string and fails to decode, as in talhelper.
/// Unlike talhelper, which silently takes a mistyped octal such as 0999 as the decimal float 999, homeops refuses it.
/// </summary>
public static class GoIntegers
{
    public static JsonNode ReadFileMode(YamlNode? node, SourceLocation at, FindingBag findings)
    {
        if (node is null) return JsonValue.Create(0L); // talhelper writes 0o0 for a missing mode
        if (node is not YamlScalarNode scalar)
        {
            findings.Add(Finding.Error("talos/config", at, "permissions must be a number such as 0o644", "write the file mode as an octal number, e.g. permissions: 0o644"));
            return JsonValue.Create(0L);
        }
        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted || scalar.Tag.IsGlobal && scalar.Tag.Value.EndsWith(":str", StringComparison.Ordinal))
        {
            findings.Add(Finding.Error("talos/config", at, $"permissions \"{text}\" is a quoted string; a file mode is a number",
                $"remove the quotes: permissions: {(text.StartsWith('0') && !text.StartsWith("0o", StringComparison.Ordinal) ? "0o" + text.TrimStart('0') : text)}"));
            return JsonValue.Create(0L);
        }
        if (TryParse(text, out var mode, out var problem))
        {
            if (mode is < 0 or > uint.MaxValue)
                findings.Add(Finding.Error("talos/config", at, $"permissions {text} does not fit a file mode", "write e.g. 0o644"));
            else if (text.Length is 3 or 4 && text[0] != '0' && text.All(c => c is >= '0' and <= '7'))
                findings.Add(Finding.Warning("talos/config", at,
                    $"permissions {text} is the decimal number {text} = 0o{Convert.ToString(mode, 8)}, not the octal mode 0o{text}",
                    $"write permissions: 0o{text} (or 0{text}) for the octal mode"));
            return JsonValue.Create(mode);
        }
        findings.Add(Finding.Error("talos/config", at, $"permissions {text} is not a number: {problem}",
            "write an octal mode with digits 0-7, e.g. 0o644 or 0644"));
        return JsonValue.Create(0L);
    }

    /// <summary>Go's strconv.ParseInt(s, 0, 64) after removing '_' (yaml.v3 resolve.go).</summary>
    public static bool TryParse(string text, out long value, out string problem)
    {
        value = 0;
        problem = "";
        var s = text.Replace("_", "", StringComparison.Ordinal);
        var negative = s.StartsWith('-');
        if (s.StartsWith('-') || s.StartsWith('+')) s = s[1..];
        if (s.Length == 0)
        {
            problem = "it is empty";
            return false;
        }
        int radix;
        string digits;
        if (s.Length > 1 && s[0] == '0' && s[1] is 'x' or 'X') (radix, digits) = (16, s[2..]);
        else if (s.Length > 1 && s[0] == '0' && s[1] is 'o' or 'O') (radix, digits) = (8, s[2..]);
        else if (s.Length > 1 && s[0] == '0' && s[1] is 'b' or 'B') (radix, digits) = (2, s[2..]);
        else if (s.Length > 1 && s[0] == '0') (radix, digits) = (8, s[1..]);
        else (radix, digits) = (10, s);
        const string alphabet = "0123456789abcdef";
        foreach (var c in digits.ToLowerInvariant())
        {
            var d = alphabet.IndexOf(c, StringComparison.Ordinal);
            if (d < 0 || d >= radix)
            {
                problem = radix == 8 ? $"'{c}' is not an octal digit (a leading 0 makes the number octal)" : $"'{c}' is not a {(radix == 16 ? "hexadecimal" : radix == 2 ? "binary" : "decimal")} digit";
                return false;
            }
            try { value = checked(value * radix + d); }
            catch (OverflowException)
            {
                problem = "it is too large";
                return false;
            }
        }
        if (digits.Length == 0)
        {
            problem = "no digits follow the prefix";
            return false;
        }
        if (negative) value = -value;
        return true;
    }
}
