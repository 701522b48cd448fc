using System.Text.Json;
using HomeOps.Operations.Bootstrap;

namespace HomeOps.Adapters.Files;

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
