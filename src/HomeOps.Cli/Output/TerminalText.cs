using System.Globalization;
using System.Text;

namespace HomeOps.Cli.Output;

/// <summary>
/// Text from the repository or the cluster made harmless for a terminal: control characters (C0 but tab and,
/// where kept, newline; DEL; C1), Unicode format characters (bidirectional overrides, zero-width characters, the
/// BOM) and the line and paragraph separators are written as <c>\uXXXX</c>, which is also a valid JSON escape, so
/// escaping JSON output changes nothing it means. A file name such as <c>"\u001b[2J"</c> can then neither clear the
/// screen nor move the cursor to overwrite a line.
/// </summary>
public static class TerminalText
{
    public static bool IsUnsafe(char c) => c switch
    {
        '\t' => false,
        < ' ' or '\u007f' => true,
        >= '\u0080' and <= '\u009f' => true,
        '\u2028' or '\u2029' => true,
        _ => CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format,
    };

    /// <summary>Every unsafe character escaped, newlines included: for names and one-line fields.</summary>
    public static string Escape(string? text) => Escape(text, keepNewlines: false);

    /// <summary>
    /// Unsafe characters escaped, newlines kept, and every line after the first indented by
    /// <paramref name="indent"/> unless it already starts with white space: text from outside can then never
    /// start a line of its own (and so never forge a summary line).
    /// </summary>
    public static string EscapeLines(string? text, string indent = "    ")
    {
        var escaped = Escape(text, keepNewlines: true);
        if (!escaped.Contains('\n')) return escaped;
        var lines = escaped.Split('\n');
        for (var i = 1; i < lines.Length; i++)
            if (lines[i].Length > 0 && !char.IsWhiteSpace(lines[i][0])) lines[i] = indent + lines[i];
        return string.Join('\n', lines);
    }

    /// <summary>Escaped for Spectre.Console markup: its [style] brackets and the terminal's control characters.</summary>
    public static string Markup(string? text) => Spectre.Console.Markup.Escape(Escape(text));

    public static string Escape(string? text, bool keepNewlines)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var unsafeAt = -1;
        for (var i = 0; i < text.Length; i++)
            if (IsUnsafe(text[i]) && !(keepNewlines && text[i] == '\n')) { unsafeAt = i; break; }
        if (unsafeAt < 0) return text;
        var b = new StringBuilder(text.Length + 16).Append(text, 0, unsafeAt);
        for (var i = unsafeAt; i < text.Length; i++) Append(b, text[i], keepNewlines);
        return b.ToString();
    }

    internal static void Append(StringBuilder b, char c, bool keepNewlines)
    {
        if (IsUnsafe(c) && !(keepNewlines && c == '\n')) b.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
        else b.Append(c);
    }
}

/// <summary>
/// A console stream that writes every unsafe character (see <see cref="TerminalText"/>) escaped, newlines and tabs
/// as they are. Installed over standard output and error for the whole run, so nothing a command prints (file
/// names, messages, a tool's output echoed back) reaches the terminal raw.
/// </summary>
public sealed class EscapingWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }

    public override void Write(char value)
    {
        if (TerminalText.IsUnsafe(value) && value != '\n') inner.Write(TerminalText.Escape(value.ToString()));
        else inner.Write(value);
    }

    public override void Write(string? value) => inner.Write(TerminalText.Escape(value, keepNewlines: true));

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer) => Write(new string(buffer));

    public override void WriteLine() => inner.WriteLine();

    public override void WriteLine(string? value)
    {
        Write(value);
        inner.WriteLine();
    }

    public override void Flush() => inner.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Flush();
        base.Dispose(disposing);
    }
}
