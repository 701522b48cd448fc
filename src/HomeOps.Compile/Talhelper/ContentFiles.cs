using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Talhelper;

/// <summary>
/// Reads "@path" values (machineFiles content, inlineManifests contents, extraManifests) relative to talconfig.yaml's
/// directory, as talhelper's SubstituteRelativePaths and SubstituteFileContent do, and substitutes variables in them unless
/// skipEnvsubst is set. talhelper re-emits such a file through a YAML parser before substituting (comments dropped, lines
/// folded; a non-YAML file fails); homeops keeps the file as written and only skips '#' comments when substituting.
/// </summary>
public sealed class ContentFiles(ISourceTree tree, string configDirectory, IReadOnlyDictionary<string, string> variables, ICollection<Substitution>? used = null)
{
    /// <summary>The repository path "@path" names (talconfig-relative), or null when <paramref name="value"/> is not "@path".</summary>
    public string? PathOf(string value)
    {
        if (!value.StartsWith('@')) return null;
        var path = value[1..].Trim();
        return path.Length == 0 ? null : RepoPath.Join(configDirectory, path);
    }

    /// <summary><paramref name="value"/> itself, or the content of the file it names.</summary>
    public string Content(string value, bool substitute, SourceLocation at, FindingBag findings)
    {
        if (PathOf(value) is not { } path) return value;
        if (!tree.Exists(path))
        {
            findings.Add(Finding.Error("talos/config", at, $"file {path} not found (named by '{value}')", "paths after @ are relative to talconfig.yaml"));
            return "";
        }
        var text = tree.ReadText(path);
        return substitute ? EnvSubstitution.Apply(text, path, variables, findings, used) : text;
    }

    public bool Exists(string path) => tree.Exists(path);

    public string Read(string path) => tree.ReadText(path);
}
