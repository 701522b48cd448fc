namespace HomeOps.Compile.Init;

/// <summary>
/// The reference repository's GitOps tree (clusters/, infrastructure/, apps/, bootstrap-config.yaml), embedded in the tool
/// at build time: `homeops init` writes a new repository from it and a spec, so the tool needs no checkout at run time.
/// </summary>
public static class ReferenceRepository
{
    private const string Prefix = "reference/";

    /// <summary>Every embedded file's repository path, sorted.</summary>
    public static IReadOnlyList<string> Paths { get; } =
        [.. typeof(ReferenceRepository).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..]).Order(StringComparer.Ordinal)];

    public static string Read(string path)
    {
        using var stream = typeof(ReferenceRepository).Assembly.GetManifestResourceStream(Prefix + path)
            ?? throw new InvalidOperationException($"{path} is not part of the embedded reference repository");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
