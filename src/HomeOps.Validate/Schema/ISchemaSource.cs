namespace HomeOps.Validate.Schema;

/// <summary>
/// Finds schema documents by a relative path ("talos/v1.10/config.schema.json",
/// "crds/cilium.io/ciliumloadbalancerippool_v2alpha1.json") in an ordered list of locations, like
/// kubeconform's --schema-location: local directories, or http(s) bases whose downloads are kept in
/// a cache directory so later runs work offline. "default" stands for the upstream sources.
/// </summary>
public interface ISchemaSource
{
    /// <summary>The schema text, or null with the places that were tried.</summary>
    (string? Text, string Origin) Find(string relativePath);
}
