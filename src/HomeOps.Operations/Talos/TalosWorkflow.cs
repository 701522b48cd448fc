using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Schema;

namespace HomeOps.Operations.Talos;

/// <summary>The Talos commands as steps over the pure compiler, with file access at the edges.</summary>
public sealed class TalosWorkflow(ISourceTree tree, IWorkspace workspace, ISchemaSource schemas, TimeProvider clock)
{
    public const string DefaultSecretsPath = "talsecret.yaml";

    public TalosPlan Plan(string configPath, System.Collections.IDictionary environment, FindingBag findings) =>
        TalosCompiler.Plan(tree, configPath, environment, findings) ?? throw new HomeOpsException(findings.Sorted());

    /// <summary>Refuses a secrets target Git tracks and, without <paramref name="force"/>, an existing bundle; what gensecret checks before writing.</summary>
    public void CheckSecretsTarget(string path, bool force)
    {
        if (tree.Exists(path) && !force)
            throw new HomeOpsException(Finding.Error("secrets/exists", SourceLocation.InFile(path),
                $"{path} already exists; regenerating it would orphan every node built from it",
                "keep it, or pass --force if the cluster is being rebuilt from scratch"));
        if (workspace.RefuseSecretTargets([path]) is { Count: > 0 } refused) throw new HomeOpsException(refused);
    }

    /// <summary>Generates a bundle and writes it (0600), after <see cref="CheckSecretsTarget"/>.</summary>
    public void GenerateSecrets(string path, bool force)
    {
        CheckSecretsTarget(path, force);
        var bundle = SecretsBundle.Generate(clock.GetUtcNow());
        workspace.WriteSecrets([(path, YamlJson.ToYaml([bundle.ToJson()]))]);
    }

    public SecretsBundle ReadSecrets(string path)
    {
        if (!tree.Exists(path))
            throw new HomeOpsException(Finding.Error("secrets/missing", SourceLocation.InFile(path),
                $"{path} not found", "run `homeops talos gensecret` first (or pass --secrets with the bundle's path)"));
        var findings = new FindingBag();
        var documents = YamlDocuments.Parse(tree.ReadText(path), path, findings);
        if (findings.HasErrors) throw new HomeOpsException(findings.Sorted());
        try
        {
            var bundle = SecretsBundle.FromJson(documents.Count == 1 ? YamlJson.ToJson(documents[0].RootNode) ?? throw new FormatException("empty") : throw new FormatException("expected one YAML document"));
            bundle.Verify();
            return bundle;
        }
        catch (Exception e) when (e is not OutOfMemoryException and not HomeOpsException)
        {
            throw new HomeOpsException(Finding.Error("secrets/invalid", SourceLocation.InFile(path),
                $"{path} is not a Talos secrets bundle: {e.Message}", "regenerate it with `homeops talos gensecret --force` or restore it from your backup"));
        }
    }

    public TalosRender Render(TalosPlan plan, SecretsBundle secrets, FindingBag findings)
    {
        var schema = new TalosSchemaValidator(schemas, plan.Talos.Line);
        if (schema.Error is { } error)
            findings.Add(Finding.Error("schema/talos", SourceLocation.InFile($"talos/{plan.Talos.Line}/config.schema.json"),
                $"the Talos {plan.Talos.Line} schema could not be fetched safely: {error}",
                "check the network (TLS interception, a proxy), or pass --schema-location DIR holding talos/<line>/config.schema.json"));
        else if (!schema.Available)
            findings.Add(Finding.Warning("schema/unavailable", SourceLocation.InFile($"talos/{plan.Talos.Line}/config.schema.json"),
                $"no Talos {plan.Talos.Line} schema found (tried {schema.Origin}); schema/talos was skipped",
                "pass --schema-location DIR with talos/<line>/config.schema.json, or run once online to fill the cache"));
        var render = TalosCompiler.Render(plan, tree, secrets, clock.GetUtcNow(), findings);
        if (schema.Available) schema.Validate(render, findings);
        return render;
    }

    public void Write(TalosRender render)
    {
        var files = render.Nodes.Select(n => (n.Path, n.Yaml))
            .Append((render.TalosconfigPath, YamlJson.ToYaml([render.Talosconfig])))
            .ToList();
        workspace.WriteSecrets(files);
    }
}
