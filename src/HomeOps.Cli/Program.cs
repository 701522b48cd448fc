using System.CommandLine;
using HomeOps.Cli.Commands;

var root = new RootCommand("""
    homeops — one tool for a Talos + Flux home cluster.

    Start with `homeops check`: it renders the Talos configs with throwaway secrets, validates
    them and prints a summary, offline. `homeops talos --help` shows the config compiler.
    """);
root.Options.Add(CommonOptions.Repo);
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(TalosCommands.Create());
return ExitCodes.Run(() => root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
