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
root.Subcommands.Add(ValidateCommand.Create());
root.Subcommands.Add(BootstrapCommand.Create());
root.Subcommands.Add(BgpCommands.Create());
root.Subcommands.Add(StatusCommand.Create());
root.Subcommands.Add(DiagnoseCommands.Create());
root.Subcommands.Add(OperationsCommands.Recover());
root.Subcommands.Add(OperationsCommands.Reset());
root.Subcommands.Add(OperationsCommands.Etcd());
root.Subcommands.Add(OperationsCommands.Upgrade());
return ExitCodes.Run(() =>
{
    var parse = root.Parse(args);
    if (parse.Errors.Count == 0) return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    foreach (var error in parse.Errors) Console.Error.WriteLine($"homeops: {error.Message}");
    var path = new List<string>();
    for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        if (result.Command != root) path.Insert(0, result.Command.Name);
    Console.Error.WriteLine($"run `homeops {string.Join(' ', path.Append("--help"))}` for usage");
    return ExitCodes.Failure;
});
