namespace HomeOps.Tests.Support;

/// <summary>
/// A file that must never be opened for reading: a FIFO whose every opening is counted. A writer thread waits in
/// open(2) for a reader; whoever opens the canary gets <see cref="Content"/> (so nothing hangs) and is counted in
/// <see cref="Reads"/> (a slow reader may be counted twice; tests assert zero). A stat(2) or an existence check does not count; only reading does. Linux and macOS.
/// </summary>
public sealed class Canary : IDisposable
{
    private readonly Thread _writer;
    private volatile bool _closing;
    private int _reads;

    public string Path { get; }

    /// <summary>What a reader gets: JSON and YAML both, with a marker that must never show up in any output.</summary>
    public const string Marker = "canary-9f3b1c";
    public const string Content = "{\"const\": \"" + Marker + "\", \"description\": \"" + Marker + "\"}\n";

    public int Reads => Volatile.Read(ref _reads);

    public Canary(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var made = Process.Run("mkfifo", System.IO.Path.GetDirectoryName(path)!, path);
        if (made.ExitCode != 0) throw new InvalidOperationException($"mkfifo {path}: {made.Output}");
        _writer = new Thread(Serve) { IsBackground = true, Name = "canary " + path };
        _writer.Start();
    }

    private void Serve()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(Content);
        while (true)
        {
            try
            {
                using var stream = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite); // waits for a reader
                if (_closing) return;
                Interlocked.Increment(ref _reads);
                stream.Write(bytes);
            }
            catch (IOException)
            {
                if (_closing) return; // the reader went away first
            }
            // let that reader see the end and close before waiting for the next one (a reader still open would
            // otherwise be served twice and counted twice: more reads, never fewer)
            Thread.Sleep(20);
        }
    }

    public void Dispose()
    {
        _closing = true;
        try
        {
            using var release = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite); // lets the waiting writer out
        }
        catch (IOException) { }
        _writer.Join(TimeSpan.FromSeconds(10));
    }
}
