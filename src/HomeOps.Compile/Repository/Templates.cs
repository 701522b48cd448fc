using System.Text.RegularExpressions;

namespace HomeOps.Compile.Repository;

/// <summary>
/// Template files (Jinja/makejinja/minijinja *.j2, Go templates *.tmpl *.tpl *.gotmpl): they become
/// manifests only when a tool renders them, so they are counted, never judged as Kubernetes objects.
/// Their expressions ({{ }}, #{ }#, {% %}, #% %#) can be replaced by a placeholder to read the rest.
/// </summary>
public static partial class Templates
{
    /// <summary>What <see cref="Neutralize"/> writes where an expression was.</summary>
    public const string Placeholder = "__homeops_template__";

    private static readonly string[] Extensions = [".j2", ".jinja", ".jinja2", ".tmpl", ".tpl", ".gotmpl", ".template"];

    public static bool IsTemplate(string path) => Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"\{\{.*?\}\}|#\{.*?\}#|\$\{\{.*?\}\}")]
    private static partial Regex Expression();

    [GeneratedRegex(@"(?m)^[ \t]*(\{%.*?%\}|#%.*?%#|\{#.*?#\}|#\|.*?\|#)[ \t]*\r?$\n?")]
    private static partial Regex TagLine();

    [GeneratedRegex(@"\{%.*?%\}|#%.*?%#|\{#.*?#\}|#\|.*?\|#")]
    private static partial Regex Tag();

    /// <summary>True when the text holds a template expression or tag.</summary>
    public static bool HasExpression(string text) => Expression().IsMatch(text) || Tag().IsMatch(text);

    /// <summary>The text with template tags removed and expressions replaced by <see cref="Placeholder"/>, so the YAML around them can be read.</summary>
    public static string Neutralize(string text) => Expression().Replace(Tag().Replace(TagLine().Replace(text, ""), ""), Placeholder);
}
