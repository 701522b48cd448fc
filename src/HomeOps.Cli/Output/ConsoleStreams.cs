using System.Text;
using Spectre.Console;

namespace HomeOps.Cli.Output;

/// <summary>
/// The run's console streams: standard output and error escape whatever is unsafe for a terminal
/// (<see cref="EscapingWriter"/>). Spectre.Console (status colours, the bootstrap spinner) writes its own escape
/// sequences, so it keeps the raw stream; everything it is given from outside goes through
/// <see cref="TerminalText.Markup"/> first.
/// </summary>
public static class ConsoleStreams
{
    /// <summary>Installs the escaping streams; disposing puts the originals back.</summary>
    public static IDisposable Install()
    {
        var (output, error) = (Console.Out, Console.Error);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new RawOutput(output) });
        Console.SetOut(new EscapingWriter(output));
        Console.SetError(new EscapingWriter(error));
        return new Restore(output, error);
    }

    private sealed class Restore(TextWriter output, TextWriter error) : IDisposable
    {
        public void Dispose()
        {
            Console.Out.Flush();
            Console.Error.Flush();
            Console.SetOut(output);
            Console.SetError(error);
        }
    }

    /// <summary>Standard output as Spectre.Console sees it: a terminal when it is not redirected.</summary>
    private sealed class RawOutput(TextWriter writer) : IAnsiConsoleOutput
    {
        public TextWriter Writer => writer;

        public bool IsTerminal => !Console.IsOutputRedirected;

        public int Width => Size(() => Console.WindowWidth, 80);

        public int Height => Size(() => Console.WindowHeight, 24);

        public void SetEncoding(Encoding encoding)
        {
            if (IsTerminal) Console.OutputEncoding = encoding;
        }

        private static int Size(Func<int> read, int fallback)
        {
            try { return read() is > 0 and var size ? size : fallback; }
            catch (IOException) { return fallback; }
        }
    }
}
