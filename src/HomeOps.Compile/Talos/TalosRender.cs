using System.Text.Json.Nodes;
using HomeOps.Compile.Talhelper;

namespace HomeOps.Compile.Talos;

/// <summary>
/// One node's rendered machine config. <see cref="SchemaDocuments"/> are the same documents as the official
/// schema should see them: deprecated fields Talos still honours are left out, having been reported once already.
/// </summary>
public sealed record RenderedNode(ResolvedNode Node, string Path, IReadOnlyList<JsonObject> Documents, IReadOnlyList<JsonObject> SchemaDocuments,
    string InstallerImage, string SchematicId)
{
    /// <summary>The documents as Talos writes them (Go's yaml.v3, indent 4).</summary>
    public string Yaml => GoYaml.Marshal(Documents);
}

/// <summary>Everything genconfig writes. All of it holds key material.</summary>
public sealed record TalosRender(IReadOnlyList<RenderedNode> Nodes, string TalosconfigPath, JsonObject Talosconfig);
