using HomeOps.Compile.Repository;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Validate.Engine;
using HomeOps.Validate.Schema;

namespace HomeOps.Validate.Rules.Talos;

/// <summary>
/// Renders every node's Talos machine config in memory, with a throwaway secrets bundle, and checks
/// the result: patches apply, and the documents validate against the official Talos schema.
/// </summary>
public sealed class TalosRenderRules : IRuleSet
{
    /// <summary>The throwaway certificates' issue time; any instant works, a fixed one keeps runs deterministic.</summary>
    private static readonly DateTimeOffset CertificateTime = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new("schema/talos", Severity.Error, "A rendered Talos machine config does not validate against the official Talos schema of its version."),
        new("talos/patch", Severity.Error, "A patch named by talconfig.yaml is missing, not YAML, or does not apply."),
        new("talos/legacy-field", Severity.Warning, "A rendered Talos config holds a field its Talos line's schema hides; homeops drops, renames or moves it as the line's data file says (an error where Talos would refuse it)."),
        new("talos/document", Severity.Error, "A rendered Talos config breaks a rule Talos checks across documents (unknown kind for the line, duplicate or conflicting documents, hostname, VIP link, Kubernetes image tags)."),
        new("talos/template", Severity.Error, "A Go template in talconfig.yaml (nodeLabels, nodeAnnotations, patches, extraManifests, URL templates) does not parse or run."),
        new("talos/network", Severity.Warning, "A networkInterfaces setting has no Talos 1.12+ network document and is dropped, as talhelper drops it."),
    ];

    public void Check(RepoModel repo, RuleContext context)
    {
        if (repo.Talos is not { } plan) return;
        var schema = new TalosSchemaValidator(context.Schemas, plan.Talos.Line);
        if (schema.Error is { } error)
            context.Report("schema/talos", repo.Talos.Config.Location, $"the Talos {plan.Talos.Line} schema could not be fetched safely: {error}; rendered configs were not schema-checked",
                "check the network (TLS interception, a proxy), or pass --schema-location DIR holding talos/<line>/config.schema.json");
        else if (!schema.Available)
            context.Report("schema/talos", repo.Talos.Config.Location, $"no Talos {plan.Talos.Line} schema found (tried {schema.Origin}); rendered configs were not schema-checked",
                "pass --schema-location DIR holding talos/<line>/config.schema.json, or run once online to fill the cache", Severity.Warning);
        var found = new FindingBag();
        var render = TalosCompiler.Render(plan, repo.Source, SecretsBundle.Throwaway(CertificateTime), CertificateTime, found);
        if (schema.Available) schema.Validate(render, found);
        foreach (var d in found.Sorted()) context.Forward(d);
    }
}
