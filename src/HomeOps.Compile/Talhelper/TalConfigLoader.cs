using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Talhelper;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Talhelper;


/// <summary>talconfig.yaml → model: ${VAR} substitution, YAML parse, strict binding.</summary>
public static class TalConfigLoader
{

    /// <summary>The substitution variables: .env at the repository root, overridden by the process environment.</summary>
    public static IReadOnlyDictionary<string, string> Variables(ISourceTree tree, System.Collections.IDictionary environment, FindingBag findings)
    {
        var dotEnv = tree.Exists(".env") ? DotEnv.Parse(tree.ReadText(".env"), ".env", findings) : [];
        return DotEnv.Merge(dotEnv, environment);
    }

    public static TalConfig? Load(ISourceTree tree, string path, IReadOnlyDictionary<string, string> variables, FindingBag findings)
    {
        if (!tree.Exists(path))
        {
            findings.Add(Finding.Error("config/missing", SourceLocation.InFile(path),
                $"{path} not found in {tree.Root}", "run from the repository root or pass the repository path"));
            return null;
        }
        var text = EnvSubstitution.Apply(tree.ReadText(path), path, variables, findings);
        var documents = YamlDocuments.Parse(text, path, findings);
        if (documents.Count != 1 || documents[0].RootNode is not YamlMappingNode root)
        {
            if (documents.Count > 0 || !findings.HasErrors)
                findings.Add(Finding.Error("config/schema", SourceLocation.InFile(path),
                    "talconfig.yaml must hold exactly one YAML mapping", "see docs/talconfig.md for the format"));
            return null;
        }
        return new YamlBinder(path, findings).Bind<TalConfig>(root);
    }
}
