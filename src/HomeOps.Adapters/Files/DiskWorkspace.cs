using HomeOps.Model;
using HomeOps.Operations;

namespace HomeOps.Adapters.Files;

/// <summary>The repository on disk; key material goes through <see cref="SecretFileWriter"/> and its Git guard.</summary>
public sealed class DiskWorkspace(string root, IGit git) : IWorkspace
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly SecretFileWriter _secrets = new(Path.GetFullPath(root), git);

    public string Root { get; } = Path.GetFullPath(root);

    private string Full(string path) => Path.GetFullPath(Path.Combine(Root, path));

    public bool FileExists(string path) => File.Exists(Full(path));

    public long? FileSize(string path) => new FileInfo(Full(path)) is { Exists: true } info ? info.Length : null;

    public string ReadText(string path) => File.ReadAllText(Full(path));

    public void ReplaceText(string path, string text) => File.WriteAllText(Full(path), text);

    public void WriteText(string path, string text)
    {
        var full = Full(path);
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new HomeOpsException(Finding.Error("repo/path", SourceLocation.InFile(path), $"{path} is outside {Root}", "write only inside the repository"));
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    public IReadOnlyList<string> Entries() =>
        Directory.Exists(Root) ? [.. Directory.EnumerateFileSystemEntries(Root).Select(e => Path.GetFileName(e)).Order(StringComparer.Ordinal)] : [];

    public void WritePrivate(string path, string text)
    {
        CreatePrivateDirectory(Path.GetDirectoryName(Full(path))!);
        File.WriteAllText(Full(path), text);
    }

    public void CreatePrivateDirectory(string path)
    {
        var full = Full(path);
        if (Directory.Exists(full)) return; // only directories we create get the private mode; an existing one is the operator's
        Directory.CreateDirectory(full);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(full, OwnerOnlyDirectory);
    }

    public IReadOnlyList<Finding> RefuseSecretTargets(IEnumerable<string> paths) =>
        _secrets.Check(paths.Select(p => Path.GetRelativePath(Root, Full(p)).Replace('\\', '/')).Where(p => !p.StartsWith("..", StringComparison.Ordinal)));

    public void WriteSecrets(IReadOnlyList<(string Path, string Content)> files) => _secrets.WriteAll(files);

    public IReadOnlyList<(string Path, DateTimeOffset Modified)> Files(string directory, string pattern) =>
        Directory.Exists(Full(directory))
            ? new DirectoryInfo(Full(directory)).GetFiles(pattern).Select(f => (f.FullName, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero))).ToList()
            : [];

    public void Move(string from, string to) => File.Move(Full(from), Full(to));
}
