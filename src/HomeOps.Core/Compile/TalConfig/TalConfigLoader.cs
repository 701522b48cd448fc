using HomeOps.Core.Diagnostics;
using HomeOps.Core.Edge;
using HomeOps.Core.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Core.Compile.TalConfig;

using Model = HomeOps.Core.Model.TalConfig;

/// <summary>talconfig.yaml → model: ${VAR} substitution, YAML parse, strict binding.</summary>
public static class TalConfigLoader
{
    public const string DefaultPath = "talconfig.yaml";

    /// <summary>The substitution variables: .env at the repository root, overridden by the process environment.</summary>
    public static IReadOnlyDictionary<string, string> Variables(ISourceTree tree, System.Collections.IDictionary environment, DiagnosticBag diagnostics)
    {
        var dotEnv = tree.Exists(".env") ? DotEnv.Parse(tree.ReadText(".env"), ".env", diagnostics) : [];
        return DotEnv.Merge(dotEnv, environment);
    }

    public static Model.TalConfig? Load(ISourceTree tree, string path, IReadOnlyDictionary<string, string> variables, DiagnosticBag diagnostics)
    {
        if (!tree.Exists(path))
        {
            diagnostics.Add(Diagnostic.Error("config/missing", SourceLocation.InFile(path),
                $"{path} not found in {tree.Root}", "run from the repository root or pass the repository path"));
            return null;
        }
        var text = EnvSubstitution.Apply(tree.ReadText(path), path, variables, diagnostics);
        var documents = YamlDocuments.Parse(text, path, diagnostics);
        if (documents.Count != 1 || documents[0].RootNode is not YamlMappingNode root)
        {
            if (documents.Count > 0 || !diagnostics.HasErrors)
                diagnostics.Add(Diagnostic.Error("config/schema", SourceLocation.InFile(path),
                    "talconfig.yaml must hold exactly one YAML mapping", "see docs/talconfig.md for the format"));
            return null;
        }
        return new YamlBinder(path, diagnostics).Bind<Model.TalConfig>(root);
    }
}
