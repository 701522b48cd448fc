using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Compile.Talhelper;
using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;

namespace HomeOps.Compile.Talos;

/// <summary>
/// What Talos' own validation refuses in a multi-document config and the JSON schema cannot see (pkg/machinery/config/container
/// container.go, types/network, types/block, v1alpha1_validation.go at the line's tag). Which checks run is the line's
/// <c>checks:</c> list; a document kind the line does not know is always an error.
/// </summary>
public static partial class DocumentChecks
{
    /// <summary>Kinds that share one name space for links (container.go conflictingLinkKinds).</summary>
    private static readonly HashSet<string> LinkKinds = ["BondConfig", "BridgeConfig", "DummyLinkConfig", "LinkConfig", "VLANConfig", "WireguardConfig", "VRFConfig"];

    [GeneratedRegex(@":v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?:@sha256:[0-9a-f]+)?$")]
    private static partial Regex ImageTag();

    public static void Check(IReadOnlyList<JsonObject> documents, TalosLine line, ResolvedNode node, string file, FindingBag findings)
    {
        var at = node.Node.Location;
        void Error(string message, string hint) => findings.Add(Finding.Error("talos/document", at, $"{node.Hostname} ({file}): {message}", hint));
        var known = line.DocumentKinds.ToHashSet(StringComparer.Ordinal);
        foreach (var document in documents.Skip(1))
        {
            var kind = Text(document["kind"]);
            if (kind is null) Error("a document without kind follows the machine config", "every extra document needs apiVersion: v1alpha1 and kind:");
            else if (!known.Contains(kind))
            {
                var since = TalosLines.All.FirstOrDefault(l => l.DocumentKinds.Contains(kind));
                Error($"Talos {line.Name} has no {kind} document" + (since is null ? "" : $" (it arrives in Talos {since.Name})"),
                    since is null ? "check the kind's spelling against the Talos configuration reference" : $"upgrade to Talos {since.Name} first, or leave the document out");
            }
        }
        var identities = documents.Skip(1).Select(d => (Kind: Text(d["kind"]) ?? "", Name: Text(d["name"]) ?? "")).ToList();
        if (line.Has("duplicate-document"))
            foreach (var duplicate in identities.GroupBy(i => i).Where(g => g.Count() > 1))
                Error($"duplicate document: {duplicate.Key.Kind}/{duplicate.Key.Name}", "Talos refuses two documents of the same kind and name; merge them");
        if (line.Has("link-name-conflict"))
        {
            foreach (var conflict in identities.Where(i => LinkKinds.Contains(i.Kind)).GroupBy(i => i.Name).Where(g => g.Select(i => i.Kind).Distinct().Count() > 1))
                Error($"conflicting documents for link {conflict.Key}: {string.Join(", ", conflict.Select(i => i.Kind).Distinct())}", "a link is configured by one document kind");
            foreach (var conflict in identities.Where(i => i.Kind is "Layer2VIPConfig" or "HCloudVIPConfig").GroupBy(i => i.Name).Where(g => g.Count() > 1))
                Error($"conflicting VIP documents for {conflict.Key}", "a VIP is either Layer2VIPConfig or HCloudVIPConfig");
        }
        if (line.Has("hostname-auto-and-static"))
            foreach (var hostname in documents.Where(d => Text(d["kind"]) == "HostnameConfig"))
            {
                var auto = Text(hostname["auto"]);
                var name = Text(hostname["hostname"]);
                if (name is { Length: > 0 } && auto is { Length: > 0 } and not "off")
                    Error($"HostnameConfig sets both auto: {auto} and hostname: {name}", "Talos refuses that ('auto' and 'hostname' cannot be set at the same time): set auto: \"off\" with a hostname");
                if (name is not { Length: > 0 } && auto is not { Length: > 0 })
                    Error("HostnameConfig sets neither auto nor hostname", "set auto: stable, or hostname: with auto: \"off\"");
            }
        if (line.Has("layer2-vip-link"))
            foreach (var vip in documents.Where(d => Text(d["kind"]) == "Layer2VIPConfig" && Text(d["link"]) is not { Length: > 0 }))
                Error($"Layer2VIPConfig {Text(vip["name"])} has no link", "Talos requires link: (the interface that holds the VIP)");
        if (line.Has("volume-encryption-twice"))
            foreach (var volume in new[] { "STATE", "EPHEMERAL" })
                if (documents[0]["machine"]?["systemDiskEncryption"]?[volume.ToLowerInvariant()] is not null
                    && documents.Any(d => Text(d["kind"]) == "VolumeConfig" && Text(d["name"]) == volume && d["encryption"] is not null))
                    Error($"system disk encryption for \"{volume}\" is configured in both v1alpha1.Config and VolumeConfig", "keep one (VolumeConfig from Talos v1.11 on)");
        if (line.Has("kubernetes-image-tag") && line.Kubernetes.RuntimeImageTagCheck)
        {
            var images = new List<(string Path, string? Image)> { ("machine.kubelet.image", Text(documents[0]["machine"]?["kubelet"]?["image"])) };
            if (node.ControlPlane)
                foreach (var component in new[] { "apiServer", "controllerManager", "scheduler" })
                    images.Add(($"cluster.{component}.image", Text(documents[0]["cluster"]?[component]?["image"])));
            foreach (var (path, image) in images.Where(i => i.Image is not null))
            {
                if (ImageTag().Match(image!) is not { Success: true } m || !ReleaseVersion.TryParse(m.Groups[1].Value, out var version))
                    Error($"{path} '{image}' has no :vX.Y.Z tag", $"Talos {line.Name} checks the Kubernetes version in the image tag; keep a :v tag (a digest may follow it)");
                else if (!line.Kubernetes.Supports(version))
                    Error($"{path} '{image}' is Kubernetes {version}, which Talos {line.Name} refuses (it runs {line.Kubernetes.Range})", "use a supported Kubernetes version");
            }
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
