namespace HomeOps.Operations.Talos;

/// <summary>What the image factory said to a schematic: its ID, or why there is none.</summary>
public sealed record FactoryAnswer(string? Id, FactoryOutcome Outcome, string Detail);

public enum FactoryOutcome
{
    /// <summary>The factory took the schematic (201 Created) and returned its ID.</summary>
    Registered,

    /// <summary>The ID was registered before (the local cache says so); no request was made.</summary>
    Cached,

    /// <summary>No network (or offline mode): nothing was sent.</summary>
    Offline,

    /// <summary>The factory answered, but refused the schematic (e.g. 400 for an unknown extension).</summary>
    Refused,
}

/// <summary>
/// An image factory (siderolabs/image-factory docs/api.md): POST /schematics with the schematic's YAML answers 201 and
/// {"id": ...}; registering the same schematic again is idempotent. Implemented in Adapters over HTTP, with a cache of the IDs
/// each factory has accepted.
/// </summary>
public interface IImageFactory
{
    /// <summary>Registers <paramref name="schematicYaml"/> at <paramref name="endpoint"/> (protocol://registry/schematics) unless
    /// <paramref name="localId"/> is known to be registered there already.</summary>
    Task<FactoryAnswer> RegisterAsync(string endpoint, string schematicYaml, string localId, CancellationToken cancel);
}
