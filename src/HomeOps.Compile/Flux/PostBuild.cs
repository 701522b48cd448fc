using System.Text.Json.Nodes;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Flux;

/// <summary>A problem of one substituted value: a variable no source defines, or an error that fails the Kustomization.</summary>
public sealed record SubstitutionProblem(string Pointer, string? Undefined, string Message);

/// <summary>The object after substitution (null when nothing changed) and what went wrong on the way.</summary>
public sealed record SubstitutedObject(JsonObject? Body, IReadOnlyList<SubstitutionProblem> Problems);

/// <summary>
/// postBuild substitution of one object (fluxcd/pkg kustomize/kustomize_varsub.go SubstituteVariables):
/// Flux substitutes the object's YAML text and parses it again, so a plain scalar may change type
/// (an unquoted ${N} that becomes 3 is a number) or break the YAML; quoted scalars stay strings.
/// This does the same value by value: keys and string values holding "${" or "$$".
/// </summary>
public static class PostBuild
{
    public static SubstitutedObject Apply(Manifest manifest, Func<string, Variable> lookup)
    {
        var problems = new List<SubstitutionProblem>();
        var changed = false;
        var body = Walk(manifest.Body, "", manifest, lookup, problems, ref changed);
        return new SubstitutedObject(changed ? (JsonObject)body! : null, problems);
    }

    private static JsonNode? Walk(JsonNode? node, string pointer, Manifest manifest, Func<string, Variable> lookup, List<SubstitutionProblem> problems, ref bool changed)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (key, value) in o)
                {
                    var name = key;
                    var at = $"{pointer}/{YamlJson.Escape(key)}";
                    if (Envsubst.Affects(key))
                    {
                        var result = Envsubst.Substitute(key, lookup);
                        Record(result, at, problems);
                        if (result.Error is null && result.Text != key)
                        {
                            name = result.Text;
                            changed = true;
                        }
                    }
                    copy[name] = Walk(value, at, manifest, lookup, problems, ref changed);
                }
                return copy;
            case JsonArray a:
                var list = new JsonArray();
                for (var i = 0; i < a.Count; i++) list.Add(Walk(a[i], $"{pointer}/{i}", manifest, lookup, problems, ref changed));
                return list;
            case JsonValue v when Manifest.Text(v) is { } text && Envsubst.Affects(text):
                var substituted = Envsubst.Substitute(text, lookup);
                Record(substituted, pointer, problems);
                if (substituted.Error is not null || substituted.Text == text) return v.DeepClone();
                changed = true;
                // a quoted scalar stays a string; a plain one is read again as YAML, as Flux does
                if (manifest.QuotedVariables.Contains(pointer) || !text.Contains("${", StringComparison.Ordinal)) return JsonValue.Create(substituted.Text);
                return Retyped(substituted.Text, text, pointer, problems);
            default:
                return node?.DeepClone();
        }
    }

    private static void Record(Substitution result, string pointer, List<SubstitutionProblem> problems)
    {
        if (result.Error is { } error) problems.Add(new SubstitutionProblem(pointer, null, $"'{Shorten(result.Text)}' is not a substitution Flux can parse ({error})"));
        foreach (var variable in result.Undefined) problems.Add(new SubstitutionProblem(pointer, variable, ""));
    }

    private static JsonNode? Retyped(string value, string written, string pointer, List<SubstitutionProblem> problems)
    {
        var bag = new Model.FindingBag();
        var documents = YamlDocuments.Parse("k: " + value, "substituted", bag);
        try
        {
            if (!bag.HasErrors && documents.Count == 1 && YamlJson.ToJson(documents[0].RootNode) is JsonObject parsed && parsed.Count == 1 && parsed.ContainsKey("k"))
                return parsed["k"]?.DeepClone();
        }
        catch (FormatException) { }
        problems.Add(new SubstitutionProblem(pointer, null, $"substituting '{Shorten(written)}' gives '{Shorten(value)}', which breaks the YAML of the object"));
        return JsonValue.Create(value);
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..77] + "..." : text;
}
