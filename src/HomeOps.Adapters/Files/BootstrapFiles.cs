using System.Text.Json;
using System.Text.Json.Serialization;
using HomeOps.Model;
using HomeOps.Operations.Bootstrap;

namespace HomeOps.Adapters.Files;

/// <summary>
/// The bootstrap state file: JSON, written to a temp file beside it, fsynced, then renamed over the
/// old one, so a crash at any instant leaves either the previous or the new state, never a mix.
/// </summary>
public sealed class StateFile(string path) : IStateStore
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string Path { get; } = path;

    public BootstrapState? Load()
    {
        if (!File.Exists(Path)) return null;
        string text;
        try { text = File.ReadAllText(Path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Corrupt($"cannot read it: {e.Message}"); }
        try
        {
            var state = JsonSerializer.Deserialize<BootstrapState>(text, Options) ?? throw new JsonException("the file holds null");
            if (state.Version != BootstrapState.CurrentVersion) throw Corrupt($"it has version {state.Version}; this homeops reads version {BootstrapState.CurrentVersion}");
            return state;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw Corrupt(e.Message);
        }
    }

    public void Save(BootstrapState state)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        var temp = $"{Path}.{Environment.ProcessId}.tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, state, Options);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, Path, overwrite: true);
    }

    private HomeOpsException Corrupt(string why) => new([Finding.Error("bootstrap/state", SourceLocation.InFile(Path),
        $"the bootstrap state file is unusable: {why}",
        $"nothing was changed. Inspect it; to start over, move it away (mv {Path} {Path}.bak) and run `homeops bootstrap` — every phase re-checks the cluster and skips what is already done")]);
}

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

/// <summary>The run's JSON-lines event log: one object per line, appended and flushed as it happens.</summary>
public sealed class EventLogFile : IBootstrapEvents, IDisposable
{
    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();

    public EventLogFile(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public void Emit(BootstrapEvent e)
    {
        lock (_gate) _writer.WriteLine(JsonSerializer.Serialize(e, BootstrapEvent.Json));
    }

    public void Dispose() => _writer.Dispose();
}
