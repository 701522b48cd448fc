using HomeOps.Model;

namespace HomeOps.Adapters.Files;

/// <summary>
/// An exclusive lock for a run's lifetime: an OS file lock (released by the kernel even when the process is killed),
/// so a stale lock file never blocks the next run. Every command that changes the cluster takes the same one
/// (<see cref="DiskWorkspace.LockCluster"/>): two at once could each see "2 of 3 healthy" and take two etcd members down.
/// The file and the holder's note beside it are created 0600 in a 0700 directory.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _stream;

    private RunLock(FileStream stream) => _stream = stream;

    public static RunLock Acquire(string path, string operation = "bootstrap")
    {
        SafeFiles.CreatePrivateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = SafeFiles.PrivateFile;
            var stream = new FileStream(path, options);
            // The locked file cannot be read by others (the OS lock covers reads), so who holds it goes beside it.
            SafeFiles.WriteAtomic(path + ".pid", $"{Environment.ProcessId} {operation} since {DateTimeOffset.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'}\n");
            return new RunLock(stream);
        }
        catch (IOException)
        {
            var holder = TryRead(path);
            throw new HomeOpsException([Finding.Error("cluster/locked", SourceLocation.InFile(path),
                $"another homeops run is changing this cluster{(holder is null ? "" : $" (pid {holder})")}; refused before reading or changing anything",
                "wait for it to finish: one operation at a time (two at once could take two etcd members down, or write the same snapshot)")]);
        }
    }

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path + ".pid").Trim() is { Length: > 0 } pid ? pid : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public void Dispose() => _stream.Dispose();
}
