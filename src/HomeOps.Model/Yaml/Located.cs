namespace HomeOps.Model.Yaml;

/// <summary>Base for bound objects: remembers where the mapping and each of its keys came from.</summary>
public abstract class Located
{
    private readonly Dictionary<string, SourceLocation> _keys = new(StringComparer.Ordinal);

    [System.Text.Json.Serialization.JsonIgnore]
    public SourceLocation Location { get; internal set; }

    /// <summary>Where the value of <paramref name="key"/> (its YAML key name) was written; the mapping itself if absent.</summary>
    public SourceLocation LocationOf(string key) => _keys.GetValueOrDefault(key, Location);

    /// <summary>Records where <paramref name="key"/> was written (the binder does; so does anything that builds a merged copy).</summary>
    public void Remember(string key, SourceLocation at) => _keys[key] = at;

    /// <summary>Takes <paramref name="location"/> as this mapping's own position (for merged copies).</summary>
    public void Adopt(SourceLocation location) => Location = location;
}
