using System.CommandLine;
using System.Runtime.CompilerServices;
using HomeOps.Cli.Commands;

namespace HomeOps.Cli;

/// <summary>The command tree and the one way it runs: parse, invoke the command's async action, map any failure to an exit code.</summary>
public static class HomeopsCli
{
    /// <summary>How long a command may clean up after Ctrl-C or SIGTERM (kill its tools, save state, tear a lab down).</summary>
    private static readonly TimeSpan CleanUpTime = TimeSpan.FromSeconds(20);

    private static readonly ConditionalWeakTable<Command, string> InterruptHints = [];

    public static RootCommand Build()
    {
        var root = new RootCommand("""
            homeops — one tool for a Talos + Flux home cluster.

            Start with `homeops check`: it renders the Talos configs with throwaway secrets, validates
            them and prints a summary, offline. `homeops talos --help` shows the config compiler.
            Conventions shared by every command (docs/cli.md): -C DIR, --format, --out, --dry-run,
            --yes, --timeout DURATION; exit 0 clean, 1 findings or refused, 2 bad input, 130 interrupted.
            """);
        root.Options.Add(CliOptions.Directory);
        root.Options.Add(CliOptions.Kubeconfig);
        root.Options.Add(CliOptions.ApiServer);
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(TalosCommands.Create());
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(ChartsCommand.Create());
        root.Subcommands.Add(BootstrapCommand.Create());
        root.Subcommands.Add(BgpCommands.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(DiagnoseCommands.Create());
        root.Subcommands.Add(OperationsCommands.Recover());
        root.Subcommands.Add(OperationsCommands.Reset());
        root.Subcommands.Add(OperationsCommands.Etcd());
        root.Subcommands.Add(OperationsCommands.Upgrade());
        return root;
    }

    /// <summary>What to tell the operator when <paramref name="command"/> is interrupted (where it left things, how to go on).</summary>
    public static Command WhenInterrupted(this Command command, string hint)
    {
        InterruptHints.AddOrUpdate(command, hint);
        return command;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        using var streams = Output.ConsoleStreams.Install();
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"homeops: {Output.TerminalText.Escape(error.Message)}");
            var path = new List<string>();
            for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
                if (result.Parent is not null) path.Insert(0, result.Command.Name);
            Console.Error.WriteLine($"run `homeops {string.Join(' ', path.Append("--help"))}` for usage");
            return ExitCodes.Failure;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = CleanUpTime });
        }
        catch (Exception e)
        {
            return ExitCodes.Report(e, Console.Error, InterruptHints.TryGetValue(parse.CommandResult.Command, out var hint) ? hint : null);
        }
    }
}
