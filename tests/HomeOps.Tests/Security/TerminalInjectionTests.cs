using System.Text.RegularExpressions;
using HomeOps.Cli.Output;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Security;

/// <summary>
/// Issue 17, item 8: a repository's file names and contents reach the terminal escaped. A name holding ESC [2J
/// (clear the screen) or a carriage return, or a newline followed by a forged summary, is printed as text.
/// </summary>
public sealed class TerminalInjectionTests
{
    private const string Clear = "\u001b[2J\u001b[H";
    private const string Forged = "0 files, 0 documents: 0 errors, 0 warnings in 1 ms";

    [Trait(Category.Name, Category.EndToEnd)]
    [Fact]
    public void Validate_prints_hostile_file_names_escaped_and_no_forged_summary_line()
    {
        using var temp = new TempDir();
        temp.Write($"apps/{Clear}bad.yaml", "key: [unclosed\n");
        temp.Write($"apps/x\r\n{Forged}\n.yaml", "a: 1\na: 2\n");
        temp.Write("apps/bidi\u202Eyaml.txt.yaml", "b: [\n");
        var result = Process.HomeOps(temp.Path, "validate", "--schema-location", Repo.Schemas);
        Assert.True(result.ExitCode == 1, result.Output);
        foreach (var c in result.Output)
            Assert.False(char.IsControl(c) && c != '\n' || c == '\u202E', $"raw U+{(int)c:X4} in the output:\n{result.Output}");
        Assert.Contains("\\u001b[2J", result.Stdout);
        var summaries = result.Stdout.Split('\n').Where(l => Regex.IsMatch(l, @"^\d+ files, \d+ documents: ")).ToList();
        Assert.True(summaries.Count == 1 && !summaries[0].StartsWith("0 files", StringComparison.Ordinal), $"forged summary lines:\n{result.Stdout}");
    }

    [Theory]
    [InlineData("a\u001b[31mred", "a\\u001b[31mred")]
    [InlineData("cr\rover", "cr\\u000dover")]
    [InlineData("bidi\u202Eevil", "bidi\\u202eevil")]
    [InlineData("c1\u009bx", "c1\\u009bx")]
    [InlineData("tab\tkept", "tab\tkept")]
    [InlineData("zero\u200Bwidth", "zero\\u200bwidth")]
    public void Unsafe_characters_become_json_style_escapes(string raw, string shown) => Assert.Equal(shown, TerminalText.Escape(raw));

    [Fact]
    public void Further_lines_of_outside_text_are_indented_never_a_line_of_their_own()
    {
        Assert.Equal("first\n    " + Forged, TerminalText.EscapeLines("first\n" + Forged));
        Assert.Equal("first\n  already indented", TerminalText.EscapeLines("first\n  already indented"));
        Assert.Equal("a\\u000a" + Forged, TerminalText.Escape("a\n" + Forged));
    }

    [Fact]
    public void The_escaping_stream_keeps_newlines_and_escapes_the_rest()
    {
        var inner = new StringWriter { NewLine = "\n" };
        using var writer = new EscapingWriter(inner);
        writer.Write('\u001b');
        writer.WriteLine("[2J line\r");
        writer.Write("next".AsSpan());
        Assert.Equal("\\u001b[2J line\\u000d\nnext", inner.ToString());
    }
}
