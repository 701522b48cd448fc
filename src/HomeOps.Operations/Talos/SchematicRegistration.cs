using HomeOps.Compile.Talos;
using HomeOps.Model.Talhelper;

namespace HomeOps.Operations.Talos;

/// <summary>One schematic of the cluster, the nodes that use it, and what the factory said.</summary>
public sealed record SchematicStatus(string Purpose, IReadOnlyList<string> Nodes, string LocalId, string? FactoryId, FactoryOutcome Outcome, string Detail, string Url)
{
    /// <summary>The ID the installer image uses: the factory's once it answered, else the one computed locally.</summary>
    public string Id => FactoryId ?? LocalId;
}

/// <summary>
/// `homeops talos schematic`: every distinct schematic of the cluster (each node's installer schematic and, where set, its
/// imageSchematic for boot media) registered with the image factory, as talhelper does when it is not in offline mode
/// (pkg/talos/schematic.go getSchematicID). Offline, the IDs computed locally are used and nothing is sent.
/// </summary>
public static class SchematicRegistration
{
    public static async Task<IReadOnlyList<SchematicStatus>> RegisterAsync(TalosPlan plan, IImageFactory factory, CancellationToken cancel)
    {
        var endpoint = InstallerImage.SchematicEndpoint(plan.Config);
        var wanted = new List<(string Purpose, string Node, Schematic? Schematic, string Url)>();
        foreach (var node in plan.Nodes)
        {
            if (node.Settings.TalosImageURL is not { Length: > 0 })
                wanted.Add(("installer", node.Hostname, node.Settings.Schematic, InstallerImage.For(plan.Config, node, plan.Talos)));
            wanted.Add(("boot image", node.Hostname, node.Settings.ImageSchematic ?? node.Settings.Schematic, InstallerImage.BootImage(plan.Config, node, plan.Talos)));
        }
        var result = new List<SchematicStatus>();
        foreach (var group in wanted.GroupBy(w => (w.Purpose, SchematicId.Of(w.Schematic))))
        {
            var first = group.First();
            var answer = await factory.RegisterAsync(endpoint, SchematicId.Canonical(first.Schematic), group.Key.Item2, cancel);
            result.Add(new SchematicStatus(group.Key.Purpose, group.Select(g => g.Node).ToList(), group.Key.Item2, answer.Id, answer.Outcome, answer.Detail,
                answer.Id is { } id && id != group.Key.Item2 ? first.Url.Replace(group.Key.Item2, id, StringComparison.Ordinal) : first.Url));
        }
        return result;
    }
}
