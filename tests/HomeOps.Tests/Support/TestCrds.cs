using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HomeOps.Tests.Support;

/// <summary>
/// CustomResourceDefinitions, minimally, for a test API server: the right group, kind, plural, scope and versions,
/// the status subresource, and a permissive schema (spec and status keep every field), so a test can create Flux,
/// Longhorn, cert-manager and Cilium objects and play their controllers by writing status through the status subresource.
/// </summary>
public static class TestCrds
{
    public sealed record Crd(string Group, string Kind, string Plural, string StorageVersion, params string[] OtherVersions)
    {
        public bool ClusterScoped { get; init; }

        public string Name => $"{Plural}.{Group}";
    }

    public static readonly Crd Kustomization = new("kustomize.toolkit.fluxcd.io", "Kustomization", "kustomizations", "v1", "v1beta2");
    public static readonly Crd HelmRelease = new("helm.toolkit.fluxcd.io", "HelmRelease", "helmreleases", "v2", "v2beta2");
    public static readonly Crd GitRepository = new("source.toolkit.fluxcd.io", "GitRepository", "gitrepositories", "v1", "v1beta2");
    public static readonly Crd HelmRepository = new("source.toolkit.fluxcd.io", "HelmRepository", "helmrepositories", "v1", "v1beta2");
    public static readonly Crd OciRepository = new("source.toolkit.fluxcd.io", "OCIRepository", "ocirepositories", "v1beta2");

    public static IReadOnlyList<Crd> Flux { get; } = [Kustomization, HelmRelease, GitRepository, HelmRepository, OciRepository];

    public static readonly Crd LonghornVolume = new("longhorn.io", "Volume", "volumes", "v1beta2", "v1beta1");
    public static readonly Crd LonghornNode = new("longhorn.io", "Node", "nodes", "v1beta2", "v1beta1");
    public static readonly Crd Certificate = new("cert-manager.io", "Certificate", "certificates", "v1");
    public static readonly Crd BgpNodeConfig = new("cilium.io", "CiliumBGPNodeConfig", "ciliumbgpnodeconfigs", "v2alpha1") { ClusterScoped = true };

    /// <summary>What day-2 commands read besides Flux: Longhorn volumes and nodes, Certificates, Cilium's BGP node status.</summary>
    public static IReadOnlyList<Crd> DayTwo { get; } = [LonghornVolume, LonghornNode, Certificate, BgpNodeConfig];

    /// <summary>Creates every CRD of <paramref name="crds"/> (an existing one is left alone) and waits until each is Established and served.</summary>
    public static async Task InstallAsync(IKubernetes client, IReadOnlyList<Crd> crds, CancellationToken cancellationToken = default)
    {
        foreach (var crd in crds)
        {
            try
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(Definition(crd), cancellationToken: cancellationToken);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict) { }
        }
        foreach (var crd in crds) await WaitServedAsync(client, crd, cancellationToken);
    }

    /// <summary>A CRD whose versions share one permissive schema, with the status subresource.</summary>
    public static V1CustomResourceDefinition Definition(Crd crd)
    {
        static V1JSONSchemaProps Open() => new() { Type = "object", XKubernetesPreserveUnknownFields = true };
        return new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta { Name = crd.Name },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = crd.Group,
                Scope = crd.ClusterScoped ? "Cluster" : "Namespaced",
                Names = new V1CustomResourceDefinitionNames
                {
                    Kind = crd.Kind,
                    ListKind = crd.Kind + "List",
                    Plural = crd.Plural,
                    Singular = crd.Kind.ToLowerInvariant(),
                },
                Versions = [.. new[] { crd.StorageVersion }.Concat(crd.OtherVersions).Select(version => new V1CustomResourceDefinitionVersion
                {
                    Name = version,
                    Served = true,
                    Storage = version == crd.StorageVersion,
                    Subresources = new V1CustomResourceSubresources { Status = new Dictionary<string, object>() },
                    Schema = new V1CustomResourceValidation
                    {
                        OpenAPIV3Schema = new V1JSONSchemaProps
                        {
                            Type = "object",
                            Properties = new Dictionary<string, V1JSONSchemaProps> { ["spec"] = Open(), ["status"] = Open() },
                        },
                    },
                })],
            },
        };
    }

    private static async Task WaitServedAsync(IKubernetes client, Crd crd, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var delay = TimeSpan.FromMilliseconds(50);
        string state = "not read yet";
        while (DateTime.UtcNow < deadline)
        {
            var current = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Name, cancellationToken: cancellationToken);
            var established = current.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true;
            state = established ? "established, not served yet" : "not established";
            if (established)
            {
                try
                {
                    // served: a list through the new endpoint answers (discovery can lag the condition)
                    await client.CustomObjects.ListClusterCustomObjectAsync(crd.Group, crd.StorageVersion, crd.Plural, cancellationToken: cancellationToken);
                    return;
                }
                catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound) { }
            }
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 1.5, 500));
        }
        throw new TimeoutException($"CRD {crd.Name} is {state} after 60 s");
    }

    /// <summary>An object of <paramref name="crd"/>'s storage version (apiVersion, kind, metadata, spec) as JSON; <paramref name="ns"/> null for cluster-scoped kinds.</summary>
    public static Dictionary<string, object> Object(Crd crd, string name, string? ns, object spec) => new()
    {
        ["apiVersion"] = $"{crd.Group}/{crd.StorageVersion}",
        ["kind"] = crd.Kind,
        ["metadata"] = ns is null ? new Dictionary<string, object> { ["name"] = name } : new Dictionary<string, object> { ["name"] = name, ["namespace"] = ns },
        ["spec"] = spec,
    };

    /// <summary>
    /// A merge patch for the status subresource that sets status.conditions to one condition of
    /// <paramref name="type"/> (Flux's shape: type, status, reason, message, lastTransitionTime, observedGeneration).
    /// </summary>
    public static V1Patch ConditionPatch(string type, bool status, string reason, string message, long observedGeneration = 1) =>
        new(JsonSerializer.Serialize(new
        {
            status = new
            {
                observedGeneration,
                conditions = new[]
                {
                    new
                    {
                        type,
                        status = status ? "True" : "False",
                        reason,
                        message,
                        observedGeneration,
                        lastTransitionTime = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
                    },
                },
            },
        }), V1Patch.PatchType.MergePatch);
}
