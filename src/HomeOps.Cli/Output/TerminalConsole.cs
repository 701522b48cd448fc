using HomeOps.Operations.Maintenance;

namespace HomeOps.Cli.Output;

/// <summary>The operator at a terminal: confirmations need one (or --yes); typed answers come from stdin.</summary>
public sealed class TerminalConsole : IOperatorConsole
{
    public void Say(string line) => Console.WriteLine(line);

    public bool Confirm(string question)
    {
        if (Console.IsInputRedirected)
        {
            Console.Error.WriteLine("homeops: this changes real machines; pass --yes to run it without a terminal");
            return false;
        }
        Console.Write($"{question} [y/N] ");
        return Console.ReadLine()?.Trim().ToLowerInvariant() is "y" or "yes";
    }

    public string? Ask(string prompt)
    {
        Console.Write(prompt);
        var line = Console.ReadLine();
        if (Console.IsInputRedirected) Console.WriteLine();
        return line;
    }
}
