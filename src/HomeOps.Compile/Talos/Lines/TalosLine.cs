using System.Text.Json.Nodes;
using HomeOps.Model;

namespace HomeOps.Compile.Talos.Lines;

/// <summary>Which Kubernetes releases a Talos line runs (pkg/machinery/compatibility/talos1xx): min ≤ core &lt; maxExclusive.</summary>
public sealed record KubernetesSupport(ReleaseVersion Default, ReleaseVersion Min, ReleaseVersion MaxExclusive, bool RuntimeImageTagCheck)
{
    /// <summary>As Talos compares (kubernetes_version.go): the major.minor.patch triple only, any pre-release ignored.</summary>
    public bool Supports(ReleaseVersion kubernetes)
    {
        var core = kubernetes with { PreRelease = null };
        return core >= Min && core < MaxExclusive;
    }

    /// <summary>"v1.30 to v1.35", for messages.</summary>
    public string Range => $"v{Min.Major}.{Min.Minor} to v{MaxExclusive.Major}.{MaxExclusive.Minor}";
}

/// <summary>A definition of the line's published schema that contradicts Talos' own decoder, and what the check uses instead.</summary>
public sealed record SchemaErratum(string Definition, JsonObject Replace, string Why);

/// <summary>
/// A v1alpha1 field Talos accepts but the line's schema hides, and what homeops writes instead (the `legacy:` list of a
/// line file). Exactly one of <see cref="Drop"/>, <see cref="Rename"/>, <see cref="Keep"/>, <see cref="To"/> and
/// <see cref="Error"/> is set.
/// </summary>
public sealed record LegacyField(string Path, string? Drop, string? Rename, bool AsList, string? Keep, JsonObject? To, JsonNode? When, string? Error, string? Fix);

/// <summary>
/// One Talos minor line's machine-config contract, read from its data file (Talos/Lines/vX.Y.yaml): the Kubernetes range,
/// the contract gates, what `talosctl gen config` writes, the document kinds, and the legacy fields and their replacements.
/// </summary>
public sealed record TalosLine(
    string File,
    int Major,
    int Minor,
    ReleaseVersion SourceTag,
    string Schema,
    KubernetesSupport Kubernetes,
    ReleaseVersion UpgradeFromMinHost,
    IReadOnlyDictionary<string, bool> Contract,
    JsonObject ControlPlane,
    JsonObject Worker,
    IReadOnlyList<JsonObject> Documents,
    IReadOnlyList<string> DocumentKinds,
    IReadOnlyList<LegacyField> Legacy,
    IReadOnlySet<string> Checks,
    IReadOnlyDictionary<string, SchemaErratum> SchemaErrata)
{
    /// <summary>"v1.12".</summary>
    public string Name => $"v{Major}.{Minor}";

    /// <summary>The contract gate <paramref name="name"/> (pkg/machinery/config/contract.go) as this line evaluates it.</summary>
    public bool Gate(string name) =>
        Contract.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"{File} does not define the contract gate {name}");

    public bool Has(string check) => Checks.Contains(check);

    public override string ToString() => Name;
}
