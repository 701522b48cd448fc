using HomeOps.Core.Compile.Secrets;
using HomeOps.Core.Compile.Talos;
using HomeOps.Core.Diagnostics;
using HomeOps.Core.Edge;
using HomeOps.Core.Validate.Talos;
using HomeOps.Core.Yaml;

namespace HomeOps.Core.Orchestrate;

/// <summary>The Talos commands as steps over the pure compiler, with file access at the edges.</summary>
public sealed class TalosWorkflow(ISourceTree tree, IGit git, ISchemaSource schemas, TimeProvider clock)
{
    public const string DefaultSecretsPath = "talsecret.yaml";

    public TalosPlan Plan(string configPath, System.Collections.IDictionary environment, DiagnosticBag diagnostics) =>
        TalosCompiler.Plan(tree, configPath, environment, diagnostics) ?? throw new HomeOpsException(diagnostics.Sorted());

    /// <summary>Generates a bundle and writes it (0600); refuses tracked targets and, without force, existing files.</summary>
    public void GenerateSecrets(string path, bool force)
    {
        if (tree.Exists(path) && !force)
            throw new HomeOpsException(Diagnostic.Error("secrets/exists", SourceLocation.InFile(path),
                $"{path} already exists; regenerating it would orphan every node built from it",
                "keep it, or pass --force if the cluster is being rebuilt from scratch"));
        var writer = new SecretFileWriter(tree.Root, git);
        if (writer.Check([path]) is { Count: > 0 } refused) throw new HomeOpsException(refused);
        var bundle = SecretsBundle.Generate(clock.GetUtcNow());
        writer.WriteAll([(path, YamlJson.ToYaml([bundle.ToJson()]))]);
    }

    public SecretsBundle ReadSecrets(string path)
    {
        if (!tree.Exists(path))
            throw new HomeOpsException(Diagnostic.Error("secrets/missing", SourceLocation.InFile(path),
                $"{path} not found", "run `homeops talos gensecret` first (or pass --secrets with the bundle's path)"));
        var diagnostics = new DiagnosticBag();
        var documents = YamlDocuments.Parse(tree.ReadText(path), path, diagnostics);
        if (diagnostics.HasErrors) throw new HomeOpsException(diagnostics.Sorted());
        try
        {
            var bundle = SecretsBundle.FromJson(documents.Count == 1 ? YamlJson.ToJson(documents[0].RootNode) ?? throw new FormatException("empty") : throw new FormatException("expected one YAML document"));
            bundle.Verify();
            return bundle;
        }
        catch (Exception e) when (e is not OutOfMemoryException and not HomeOpsException)
        {
            throw new HomeOpsException(Diagnostic.Error("secrets/invalid", SourceLocation.InFile(path),
                $"{path} is not a Talos secrets bundle: {e.Message}", "regenerate it with `homeops talos gensecret --force` or restore it from your backup"));
        }
    }

    public TalosRender Render(TalosPlan plan, SecretsBundle secrets, DiagnosticBag diagnostics)
    {
        var schema = new TalosSchemaValidator(schemas, plan.Talos.Line);
        if (!schema.Available)
            diagnostics.Add(Diagnostic.Warning("schema/unavailable", SourceLocation.InFile($"talos/{plan.Talos.Line}/config.schema.json"),
                $"no Talos {plan.Talos.Line} schema found (tried {schema.Origin}); schema/talos was skipped",
                "pass --schema-location DIR with talos/<line>/config.schema.json, or run once online to fill the cache"));
        return TalosCompiler.Render(plan, tree, secrets, schema.Available ? schema : null, clock.GetUtcNow(), diagnostics);
    }

    public void Write(TalosRender render)
    {
        var files = render.Nodes.Select(n => (n.Path, n.Yaml))
            .Append((render.TalosconfigPath, YamlJson.ToYaml([render.Talosconfig])))
            .ToList();
        new SecretFileWriter(tree.Root, git).WriteAll(files);
    }
}
