using System.Text.Json;
using HomeOps.Operations.Bootstrap;

namespace HomeOps.Adapters.Files;

/// <summary>The run's JSON-lines event log: one object per line, appended and flushed as it happens; created 0600 in a 0700 directory.</summary>
public sealed class EventLogFile : IBootstrapEvents, IDisposable
{
    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();

    public EventLogFile(string path)
    {
        SafeFiles.CreatePrivateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = SafeFiles.PrivateFile;
        _writer = new StreamWriter(new FileStream(path, options)) { AutoFlush = true };
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, SafeFiles.PrivateFile); // a log an older homeops left readable
    }

    public void Emit(BootstrapEvent e)
    {
        lock (_gate) _writer.WriteLine(JsonSerializer.Serialize(e, BootstrapEvent.Json));
    }

    public void Dispose() => _writer.Dispose();
}
