using HomeOps.Model.Yaml;

namespace HomeOps.Model.Bootstrap;

// bootstrap-config.yaml: what `homeops bootstrap` does, in order. Read strictly, like talconfig.yaml.
// Durations are Go-style strings ("10m", "1h30m", "5s"), as in Flux and Talos.

public sealed class BootstrapConfig : Located
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    [RequiredKey] public ClusterSettings Cluster { get; set; } = new();
    [RequiredKey] public OnePasswordSettings Onepassword { get; set; } = new();
    [RequiredKey] public GitSettings Git { get; set; } = new();
    [RequiredKey] public FluxSettings Flux { get; set; } = new();
    public StateSettings State { get; set; } = new();
    public PhaseDefaults Defaults { get; set; } = new();
    public List<ToolRequirement> Tools { get; set; } = [];
    [RequiredKey] public List<PhaseSettings> Phases { get; set; } = [];

    /// <summary>Facts about the BGP router, a device outside the repository; optional.</summary>
    public RouterSettings? Router { get; set; }
}

/// <summary>
/// What the real router runs with, when the operator wants it checked: `validate` reports
/// bgp/asn-mismatch when it differs from the cluster's peerASN, and `bgp lab` simulates it.
/// </summary>
public sealed class RouterSettings : Located
{
    [System.Text.Json.Serialization.JsonPropertyName("routerASN")] public long? RouterAsn { get; set; }
}

public sealed class ClusterSettings : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public string? Endpoint { get; set; }
    public string? InternalDomain { get; set; }
    public string? ExternalDomain { get; set; }
    public string? AuthProxy { get; set; }
}

public sealed class OnePasswordSettings : Located
{
    [RequiredKey] public string Account { get; set; } = "";
    [RequiredKey] public string Vault { get; set; } = "";
    [RequiredKey] public ConnectItems Connect { get; set; } = new();
}

/// <summary>Separate credentials and token items are tried first; the legacy single item (fields credentials/token) is the fallback.</summary>
public sealed class ConnectItems : Located
{
    public string? CredentialsItem { get; set; }
    public string? TokenItem { get; set; }
    public string? LegacyItem { get; set; }
}

public sealed class GitSettings : Located
{
    [RequiredKey] public string Url { get; set; } = "";
    [RequiredKey] public string Branch { get; set; } = "";
    [RequiredKey] public string Path { get; set; } = "";
}

public sealed class FluxSettings : Located
{
    [RequiredKey] public string Version { get; set; } = "";
}

public sealed class StateSettings : Located
{
    public string File { get; set; } = ".homeops/bootstrap-state.json";
    public string Log { get; set; } = ".homeops/bootstrap.log";
}

public sealed class PhaseDefaults : Located
{
    public string Timeout { get; set; } = "10m";
    public int Retries { get; set; } = 3;
    public string RetryDelay { get; set; } = "10s";
    public string HealthCheckInterval { get; set; } = "5s";
}

/// <summary>One tool of the version matrix: which of its versions homeops drives, per version of the pinned component it depends on.</summary>
public sealed class ToolRequirement : Located
{
    [RequiredKey] public string Name { get; set; } = "";

    /// <summary>The pinned component whose version picks the row: talos, kubernetes, flux or cilium; absent: the rows apply to any.</summary>
    public string? Against { get; set; }

    [RequiredKey] public List<ToolSupport> Supported { get; set; } = [];
}

/// <summary>A row of the matrix: for these component versions (absent: any), these tool versions.</summary>
public sealed class ToolSupport : Located
{
    public string? When { get; set; }
    [RequiredKey] public List<string> Use { get; set; } = [];
}

public sealed class PhaseSettings : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public string? Timeout { get; set; }
    public int? Retries { get; set; }
    public string? RetryDelay { get; set; }
    public List<HelmAdoption> Installs { get; set; } = [];
    public List<CreatedSecret> Creates { get; set; } = [];
    public List<string> Applies { get; set; } = [];
}

public sealed class HelmAdoption : Located
{
    /// <summary>"namespace/release".</summary>
    [RequiredKey] public string HelmRelease { get; set; } = "";
    public string? AdoptedBy { get; set; }
}

public sealed class CreatedSecret : Located
{
    /// <summary>"namespace/name".</summary>
    [RequiredKey] public string Secret { get; set; } = "";
    public List<string> Keys { get; set; } = [];

    /// <summary>The HelmRelease file whose chart reads this Secret (its chart version picks the encoding below).</summary>
    public string? Chart { get; set; }

    /// <summary>How the Connect credentials are stored, by chart version of <see cref="Chart"/>.</summary>
    public List<CredentialEncoding> Credentials { get; set; } = [];
}

/// <summary>For chart versions <see cref="Chart"/> (a range), the credentials key holds the file as is ("file") or base64-encoded ("base64").</summary>
public sealed class CredentialEncoding : Located
{
    [RequiredKey] public string Chart { get; set; } = "";
    [RequiredKey] public string Encoding { get; set; } = "";
}
