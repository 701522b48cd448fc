using HomeOps.Model;

namespace HomeOps.Adapters.Files;

/// <summary>
/// An exclusive lock for the run's lifetime: an OS file lock (released by the kernel even when the
/// process is killed), so a stale lock file never blocks the next run.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _stream;

    private RunLock(FileStream stream) => _stream = stream;

    public static RunLock Acquire(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            // The locked file cannot be read by others (the OS lock covers reads), so the holder's pid goes beside it.
            File.WriteAllText(path + ".pid", $"{Environment.ProcessId}\n");
            return new RunLock(stream);
        }
        catch (IOException)
        {
            var holder = TryRead(path);
            throw new HomeOpsException([Finding.Error("bootstrap/locked", SourceLocation.InFile(path),
                $"another bootstrap is running{(holder is null ? "" : $" (pid {holder})")}",
                "wait for it to finish; two bootstraps at once would apply configs and bootstrap etcd twice")]);
        }
    }

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path + ".pid").Trim() is { Length: > 0 } pid ? pid : null; }
        catch (IOException) { return null; }
    }

    public void Dispose() => _stream.Dispose();
}
