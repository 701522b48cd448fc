namespace HomeOps.Operations.Tools;

/// <summary>
/// A 1Password item's fields by label (values are secrets: never log them), its category ("DOCUMENT" for a stored file) and
/// the names of the files it holds (a Document item's content is not among its fields).
/// </summary>
public sealed record OnePasswordItem(string Title, IReadOnlyDictionary<string, string> Fields, string Category = "", IReadOnlyList<string>? Files = null)
{
    public IReadOnlyList<string> FileNames => Files ?? [];
}

public interface IOnePassword : IVersionedTool
{
    /// <summary>`op item get ITEM --vault V --account A --format json --reveal`; null when the item does not exist.</summary>
    Task<OnePasswordItem?> ItemAsync(string account, string vault, string item, CancellationToken cancel);

    /// <summary>`op document get ITEM --vault V --account A`: a Document item's file content; null when the item does not exist.</summary>
    Task<string?> DocumentAsync(string account, string vault, string item, CancellationToken cancel) =>
        throw new NotSupportedException($"{GetType().Name}: document");
}
