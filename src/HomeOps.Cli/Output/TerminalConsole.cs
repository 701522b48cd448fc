using HomeOps.Operations.Maintenance;

namespace HomeOps.Cli.Output;

/// <summary>The operator at a terminal: confirmations need one (or --yes); typed answers come from stdin.</summary>
public sealed class TerminalConsole : IOperatorConsole
{
    /// <summary>A line for the operator; further lines in it are indented (<see cref="TerminalText.EscapeLines"/>).</summary>
    public void Say(string line) => Console.WriteLine(TerminalText.EscapeLines(line));

    public bool Confirm(string question)
    {
        if (Console.IsInputRedirected)
        {
            Console.Error.WriteLine("homeops: this changes real machines; pass --yes to run it without a terminal");
            return false;
        }
        Console.Write($"{TerminalText.EscapeLines(question)} [y/N] ");
        return Console.ReadLine()?.Trim().ToLowerInvariant() is "y" or "yes";
    }

    public string? Ask(string prompt)
    {
        Console.Write(TerminalText.EscapeLines(prompt));
        var line = Console.ReadLine();
        if (Console.IsInputRedirected) Console.WriteLine();
        return line;
    }
}
