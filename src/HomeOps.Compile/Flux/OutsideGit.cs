using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Flux;

/// <summary>
/// A Secret or ConfigMap that exists in the cluster without Flux applying it: made by the
/// repository's own bootstrap (a template or manifest it applies, a kubectl create in a script or
/// task runner), or by flux bootstrap itself.
/// </summary>
/// <param name="Namespace">"*" when the bootstrap does not say (kubectl's current namespace).</param>
/// <param name="Keys">The data keys, or null when the bootstrap does not say which.</param>
/// <param name="How">Where it comes from, for messages ("Taskfile.yml:820 kubectl create secret").</param>
public sealed record OutsideObject(string Kind, string Namespace, string Name, IReadOnlySet<string>? Keys, SourceLocation At, string How)
{
    public bool IsIn(string ns) => Namespace == "*" || Namespace == ns;
}

/// <summary>Finds what the repository's bootstrap creates besides Flux: scripts, task runners, bootstrap templates and manifests.</summary>
public static partial class OutsideGit
{
    /// <summary>Files a bootstrap runs or applies by hand: task runners, scripts, and anything under a bootstrap folder.</summary>
    public static bool IsBootstrapFile(string path)
    {
        var name = Path.GetFileName(path);
        var segments = path.Split('/');
        return name is "justfile" or ".justfile" or "Justfile" or "Makefile" or "makefile"
               || name.StartsWith("Taskfile", StringComparison.Ordinal) || name.EndsWith(".just", StringComparison.Ordinal)
               || name.EndsWith(".sh", StringComparison.Ordinal) || name.EndsWith(".bash", StringComparison.Ordinal)
               || segments.Any(s => s is "bootstrap" or "scripts" or "taskfiles" or ".taskfiles" or "hack");
    }

    public static IReadOnlyList<OutsideObject> Find(RepoDocuments documents, IEnumerable<RepoFile> files)
    {
        var found = new List<OutsideObject>();
        foreach (var file in files.Where(f => f.Text is not null && IsBootstrapFile(f.Path)))
        {
            found.AddRange(KubectlCreates(file.Path, file.Text!));
            if (Templates.IsTemplate(file.Path) || RepoPaths.IsYaml(file.Path)) found.AddRange(Manifests(documents, file));
        }
        return found;
    }

    [GeneratedRegex(@"\bkubectl\b(?<pre>[^\n;|&]*?)\s+create\s+(?<what>secret\s+(?<type>generic|tls|docker-registry)|configmap|cm)\s+(?<name>[^\s;|&]+)(?<rest>[^\n;|&]*)")]
    private static partial Regex KubectlCreate();

    [GeneratedRegex(@"(?:^|\s)(?:-n|--namespace)(?:=|\s+)(?<ns>[^\s;|&]+)")]
    private static partial Regex NamespaceFlag();

    [GeneratedRegex(@"--from-(?<kind>literal|file|env-file)(?:=|\s+)(?<value>""[^""]*""|'[^']*'|[^\s;|&]+)")]
    private static partial Regex FromFlag();

    /// <summary>kubectl create secret|configmap commands, with line continuations joined.</summary>
    private static IEnumerable<OutsideObject> KubectlCreates(string path, string text)
    {
        var joined = text.Replace("\\\r\n", " ", StringComparison.Ordinal).Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (Match m in KubectlCreate().Matches(joined))
        {
            var name = Unquote(m.Groups["name"].Value);
            if (IsTemplated(name) || name.StartsWith('-')) continue;
            var flags = m.Groups["pre"].Value + " " + m.Groups["rest"].Value;
            var ns = NamespaceFlag().Match(" " + flags) is { Success: true } n ? Unquote(n.Groups["ns"].Value) : "*";
            if (IsTemplated(ns)) ns = "*";
            var kind = m.Groups["what"].Value.StartsWith("secret", StringComparison.Ordinal) ? "Secret" : "ConfigMap";
            HashSet<string>? keys = m.Groups["type"].Value switch
            {
                "tls" => ["tls.crt", "tls.key"],
                "docker-registry" => [".dockerconfigjson"],
                _ => [],
            };
            foreach (Match from in FromFlag().Matches(m.Groups["rest"].Value))
            {
                var value = Unquote(from.Groups["value"].Value);
                switch (from.Groups["kind"].Value)
                {
                    case "env-file": keys = null; break;
                    case "literal" when keys is not null: keys.Add(value.Split('=', 2)[0]); break;
                    case "file" when keys is not null:
                        keys.Add(value.Contains('=') ? value.Split('=', 2)[0] : Path.GetFileName(value));
                        break;
                }
                if (keys is null) break;
            }
            var line = LineInOriginal(text, m.Index);
            yield return new OutsideObject(kind, ns, name, keys is { Count: > 0 } ? keys : null, new SourceLocation(path, line, 1), $"{path}:{line} (kubectl create {kind.ToLowerInvariant()})");
        }
    }

    /// <summary>The line in the original text of an index into the text with line continuations joined (each became one space).</summary>
    private static int LineInOriginal(string original, int joinedIndex)
    {
        int o = 0, j = 0, line = 1;
        while (j < joinedIndex && o < original.Length)
        {
            if (original[o] == '\\' && o + 1 < original.Length && original[o + 1] == '\n') { o += 2; j++; line++; continue; }
            if (original[o] == '\\' && o + 2 < original.Length && original[o + 1] == '\r' && original[o + 2] == '\n') { o += 3; j++; line++; continue; }
            if (original[o] == '\n') line++;
            o++;
            j++;
        }
        return line;
    }

    private static string Unquote(string text) => text.Length >= 2 && text[0] == text[^1] && text[0] is '"' or '\'' ? text[1..^1] : text;

    private static bool IsTemplated(string text) => text.Contains('$') || text.Contains("{{", StringComparison.Ordinal) || text.Contains("#{", StringComparison.Ordinal);

    /// <summary>Secret and ConfigMap documents in bootstrap manifests and templates (template expressions read as unknown values).</summary>
    private static IEnumerable<OutsideObject> Manifests(RepoDocuments documents, RepoFile file)
    {
        if (!Regex.IsMatch(file.Text!, @"(?m)^\s*kind:\s*[""']?(Secret|ConfigMap)\b")) yield break;
        var parsed = Templates.IsTemplate(file.Path) ? ParsedFile.Parse(file.Path, Templates.Neutralize(file.Text!)) : documents.Yaml(file.Path);
        if (parsed is null || parsed.Failed) yield break;
        foreach (var manifest in parsed.Documents.Select(d => d.Manifest).OfType<Manifest>())
        {
            if (manifest.Kind is not ("Secret" or "ConfigMap") || manifest.Group.Length > 0) continue;
            if (manifest.Name.Length == 0 || manifest.Name.Contains(Templates.Placeholder, StringComparison.Ordinal)) continue;
            var ns = manifest.Namespace is { } n && !n.Contains(Templates.Placeholder, StringComparison.Ordinal) ? n : "*";
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var open = false;
            foreach (var field in new[] { "data", "stringData" })
                foreach (var (key, _) in manifest.Body[field] as JsonObject ?? [])
                {
                    if (key.Contains(Templates.Placeholder, StringComparison.Ordinal)) open = true;
                    else keys.Add(key);
                }
            yield return new OutsideObject(manifest.Kind, ns, manifest.Name, open ? null : keys, manifest.At(), $"{file.Path}:{manifest.At().Line} (applied by the bootstrap)");
        }
    }
}
