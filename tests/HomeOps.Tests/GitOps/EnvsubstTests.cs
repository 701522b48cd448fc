using HomeOps.Compile.Flux;

namespace HomeOps.Tests.GitOps;

/// <summary>
/// Flux's postBuild envsubst (fluxcd/pkg envsubst v1.4.0) as ported: each expected value is what the
/// upstream package produces for the same input (research notes /work/notes/flux.md §1.5–1.7, run
/// against the compiled upstream package), not what bash would.
/// </summary>
public sealed class EnvsubstTests
{
    private static readonly Dictionary<string, string> Values = new()
    {
        ["SECRET_DOMAIN"] = "example.com",
        ["EMPTY"] = "",
        ["N"] = "hello World",
        ["P"] = "a/b/c.tar.gz",
        ["D"] = "example.com",
        ["W"] = "example.com",
    };

    private static Variable Lookup(string name) => Values.TryGetValue(name, out var v) ? Variable.Of(v) : Variable.Undefined;

    public static TheoryData<string, string> Cases => new()
    {
        { "${SECRET_DOMAIN}", "example.com" },
        { "x-${UNDEF}-y", "x--y" },
        { "${UNDEF:=def}", "def" },
        { "${UNDEF:-def}", "def" },
        { "${UNDEF=def}", "def" },
        { "${EMPTY:-def}", "def" },
        { "${UNDEF:=}", "" },
        { "${UNDEF/x/y}", "" },
        { "${#UNDEF}", "0" },
        { "${#N}", "11" },
        { "${N^}", "Hello World" },
        { "${N^^}", "HELLO WORLD" },
        { "${N,}", "hello World" },
        { "${N,,}", "hello world" },
        { "${N:2}", "llo World" },
        { "${N:2:3}", "llo" },
        { "${N:-3}", "hello World" },
        { "${D:0:3}", "exa" },
        { "${P#*/}", "b/c.tar.gz" },
        { "${P##*/}", "c.tar.gz" },
        { "${P%.*}", "a/b/c.tar" },
        { "${P%%.*}", "a/b/c" },
        { "${D/./-}", "example-com" },
        { "${D/.*/X}", "example.com" },
        { "${P//\\//_}", "a_b_c.tar.gz" },
        { "${P/#a/X}", "X/b/c.tar.gz" },
        { "${P/%gz/bz2}", "a/b/c.tar.bz2" },
        { "${D:+alt}", "example.com" },
        { "${UNDEF:?msg}", "msg" },
        { "${UNDEF:-a.${W}}", "a.example.com" },
        { "$SECRET_DOMAIN", "$SECRET_DOMAIN" },
        { "$${X}", "${X}" },
        { "$$X", "$X" },
        { "a$$b", "a$b" },
        { "$$$${X}", "$${X}" },
        { "{{ .Release.Name }}", "{{ .Release.Name }}" },
        { "${1}", "" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Substitutes_as_flux_does(string text, string expected)
    {
        var result = Envsubst.Substitute(text, Lookup);
        Assert.Null(result.Error);
        Assert.Equal(expected, result.Text);
    }

    [Theory]
    [InlineData("${ .Release.Name }")]
    [InlineData("${VAR.x}")]
    [InlineData("${a-b}")]
    [InlineData("${")]
    [InlineData("${X")]
    [InlineData("${v/old}")]
    public void Expressions_flux_cannot_parse_are_errors(string text) =>
        Assert.NotNull(Envsubst.Substitute(text, Lookup).Error);

    [Fact]
    public void Only_bare_and_transforming_uses_of_an_undefined_variable_are_reported()
    {
        Assert.Equal(["UNDEF"], Envsubst.Substitute("${UNDEF}", Lookup).Undefined);
        Assert.Equal(["UNDEF"], Envsubst.Substitute("${UNDEF/x/y}", Lookup).Undefined);
        Assert.Empty(Envsubst.Substitute("${UNDEF:=d}${UNDEF:-d}${UNDEF=d}", Lookup).Undefined);
    }

    [Fact]
    public void A_variable_of_unknown_value_stays_visible_and_marks_the_value_unresolved()
    {
        static Variable Secret(string name) => name == "TOKEN" ? Variable.Unknown : Lookup(name);
        var result = Envsubst.Substitute("https://${D}/${TOKEN:-none}/${TOKEN/./-}", Secret);
        Assert.True(result.Unresolved);
        Assert.Equal("https://example.com/${TOKEN:-none}/${TOKEN/./-}", result.Text);
        // a default of a variable whose value is known and non-empty does not need the unknown default
        var known = Envsubst.Substitute("${D:=${TOKEN}}", Secret);
        Assert.False(known.Unresolved);
        Assert.Equal("example.com", known.Text);
    }

    [Theory]
    [InlineData("APP", true)]
    [InlineData("_private9", true)]
    [InlineData("9lives", false)]
    [InlineData("tls.crt", false)]
    [InlineData("api-token", false)]
    [InlineData("", false)]
    public void Variable_names_follow_flux_rule(string name, bool valid) => Assert.Equal(valid, Envsubst.IsValidName(name));
}
