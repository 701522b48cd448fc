namespace HomeOps.Operations.Tools;

/// <summary>A 1Password item's fields by label (values are secrets: never log them).</summary>
public sealed record OnePasswordItem(string Title, IReadOnlyDictionary<string, string> Fields);

public interface IOnePassword : IVersionedTool
{
    /// <summary>`op item get ITEM --vault V --account A --format json --reveal`; null when the item does not exist.</summary>
    Task<OnePasswordItem?> ItemAsync(string account, string vault, string item, CancellationToken cancel);
}
