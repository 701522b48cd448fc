using System.Runtime.InteropServices;
using System.Text;

namespace HomeOps.Adapters.Files;

/// <summary>
/// How homeops writes files: private modes from the moment of creation (0700 directories, 0600 files, never a
/// chmod after the fact), a temporary file created exclusively (O_EXCL) and fsynced, renamed over the target (so a
/// reader or a crash sees the old or the new content, never a mix), then the directory fsynced so the rename
/// itself survives a power loss. rename(2) replaces a symlink at the target, it never writes through it.
/// </summary>
public static partial class SafeFiles
{
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> and any missing parents with mode 0700 from the start; an existing directory is left as it is.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        path = Path.GetFullPath(path);
        if (Directory.Exists(path)) return;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        // one level at a time: Directory.CreateDirectory(path, mode) gives missing parents the default mode
        if (Path.GetDirectoryName(path) is { } parent && !Directory.Exists(parent)) CreatePrivateDirectory(parent);
        Directory.CreateDirectory(path, PrivateDirectory);
    }

    /// <summary>Opens a new file that must not exist yet (O_CREAT|O_EXCL), created with <paramref name="mode"/>.</summary>
    public static FileStream CreateExclusive(string path, UnixFileMode mode = PrivateFile, FileAccess access = FileAccess.Write)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = access, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
        return new FileStream(path, options);
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> atomically (see the class summary).</summary>
    public static void WriteAtomic(string path, string text, UnixFileMode mode = PrivateFile, string? stagingDirectory = null) =>
        Commit(Stage(path, Encoding.UTF8.GetBytes(text), mode, stagingDirectory), path);

    /// <summary>
    /// Writes the content to a new temporary file (exclusive, <paramref name="mode"/>, fsynced) in
    /// <paramref name="stagingDirectory"/>, by default beside <paramref name="path"/>; returns its path for <see cref="Commit"/>.
    /// </summary>
    public static string Stage(string path, ReadOnlySpan<byte> content, UnixFileMode mode = PrivateFile, string? stagingDirectory = null)
    {
        var directory = stagingDirectory ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using var stream = CreateExclusive(temp, mode);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return temp;
    }

    /// <summary>Renames a staged file over <paramref name="path"/> and fsyncs the directories involved.</summary>
    public static void Commit(string temp, string path)
    {
        File.Move(temp, path, overwrite: true);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        SyncDirectory(directory);
        var from = Path.GetDirectoryName(Path.GetFullPath(temp))!;
        if (from != directory) SyncDirectory(from);
    }

    /// <summary>fsync(2) on a directory: makes a rename or a new entry in it durable. Nothing on Windows (NTFS journals metadata).</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = Open(directory, 0 /* O_RDONLY: the same value on Linux and macOS */);
        if (fd < 0) throw new IOException($"cannot open {directory} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of {directory} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>True when <paramref name="path"/> itself is a symbolic link (not what it points to).</summary>
    public static bool IsSymlink(string path) => new FileInfo(path).LinkTarget is not null;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}

/// <summary>Paths as the kernel resolves them: every symbolic link followed, as realpath(3) does.</summary>
public static class RealPath
{
    private const int MaxLinks = 40; // Linux's MAXSYMLINKS

    /// <summary>
    /// <paramref name="path"/> with each symlink in it resolved, and "." and ".." taken where they stand (after the link
    /// before them, as the kernel does, not lexically). The part that does not exist yet is kept as written.
    /// </summary>
    public static string Resolve(string path)
    {
        var full = Path.IsPathRooted(path) ? path : Path.Combine(Directory.GetCurrentDirectory(), path);
        var root = Path.GetPathRoot(full)!;
        var pending = new List<string>(Split(full[root.Length..]));
        var current = root;
        var links = 0;
        for (var i = 0; i < pending.Count; i++)
        {
            var segment = pending[i];
            if (segment is "" or ".") continue;
            if (segment == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Join(current, segment);
            string? target;
            try { target = new FileInfo(next).LinkTarget; }
            catch (IOException) { target = null; } // below a file, or unreadable: nothing to follow
            catch (UnauthorizedAccessException) { target = null; }
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks) throw new IOException($"too many levels of symbolic links at {next}");
            pending = [.. Split(Path.IsPathRooted(target) ? target[Path.GetPathRoot(target)!.Length..] : target), .. pending.Skip(i + 1)];
            if (Path.IsPathRooted(target)) current = Path.GetPathRoot(target)!;
            i = -1;
        }
        return current;
    }

    private static string[] Split(string path) => path.Split(['/', Path.DirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or below it, both compared as given (resolve them first).</summary>
    public static bool IsInside(string root, string path, bool ignoreCase = false)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        root = root.TrimEnd('/', Path.DirectorySeparatorChar);
        return path.Equals(root, comparison) || path.StartsWith(root + "/", comparison) || path.StartsWith(root + Path.DirectorySeparatorChar, comparison);
    }
}
