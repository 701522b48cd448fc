using System.CommandLine;
using System.Text.RegularExpressions;
using HomeOps.Cli;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Cli;

/// <summary>
/// docs/cli.md's contract, checked on the real command tree (built in process, as `homeops` builds it): every command is
/// in the table and every row is a command; --format, --out, --dry-run, --yes and --timeout are there exactly where the
/// table says, each meaning one thing everywhere.
/// </summary>
public sealed partial class CliContractTests
{
    private sealed record Row(string Command, string Changes, IReadOnlyList<string> Formats, bool Out, bool DryRun, bool Yes, bool Timeout);

    [GeneratedRegex(@"^\| `([a-z0-9 -]+)` \| (no|files|cluster) \|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|$")]
    private static partial Regex TableRow();

    private static IReadOnlyList<Row> Documented()
    {
        var text = File.ReadAllText(Path.Combine(Repo.Root, "docs", "cli.md"));
        var table = text[text.IndexOf("<!-- contract:", StringComparison.Ordinal)..];
        return table.Split('\n').Select(l => TableRow().Match(l.Trim())).Where(m => m.Success).Select(m => new Row(
            m.Groups[1].Value, m.Groups[2].Value,
            m.Groups[3].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            m.Groups[4].Value.Trim() == "yes", m.Groups[5].Value.Trim() == "yes", m.Groups[6].Value.Trim() == "yes", m.Groups[7].Value.Trim() == "yes")).ToList();
    }

    /// <summary>Every command that does something (has an action), by its path under the root.</summary>
    private static Dictionary<string, Command> Commands()
    {
        var found = new Dictionary<string, Command>();
        void Walk(Command command, string path)
        {
            if (command.Action is not null && path.Length > 0) found[path] = command;
            foreach (var sub in command.Subcommands) Walk(sub, path.Length == 0 ? sub.Name : $"{path} {sub.Name}");
        }
        Walk(HomeopsCli.Build(), "");
        return found;
    }

    private static Option? Named(Command command, string name) => command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));

    [Fact]
    public void Every_command_is_in_the_table_and_every_row_is_a_command()
    {
        var documented = Documented();
        Assert.True(documented.Count >= 15, $"the contract table in docs/cli.md was not read ({documented.Count} rows)");
        Assert.Equal(Commands().Keys.Order(StringComparer.Ordinal), documented.Select(r => r.Command).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Each_command_takes_exactly_the_options_its_row_names()
    {
        var commands = Commands();
        foreach (var row in Documented())
        {
            var command = commands[row.Command];
            Assert.False(string.IsNullOrWhiteSpace(command.Description), $"{row.Command} has no help text");
            Assert.True(row.Formats.Count > 0 == Named(command, "--format") is not null, $"{row.Command}: --format is {(row.Formats.Count > 0 ? "documented but missing" : "there but not documented")}");
            Assert.True(row.Out == Named(command, "--out") is not null, $"{row.Command}: --out does not match docs/cli.md");
            Assert.True(row.DryRun == Named(command, "--dry-run") is not null, $"{row.Command}: --dry-run does not match docs/cli.md");
            Assert.True(row.Yes == Named(command, "--yes") is not null, $"{row.Command}: --yes does not match docs/cli.md");
            Assert.True(row.Timeout == Named(command, "--timeout") is not null, $"{row.Command}: --timeout does not match docs/cli.md");
            if (row.Changes != "no") Assert.True(row.DryRun, $"{row.Command} changes {row.Changes} but has no --dry-run");
            if (row.Changes == "cluster") Assert.True(row.Yes, $"{row.Command} changes the cluster but has no --yes");
        }
    }

    [Fact]
    public void Format_accepts_the_documented_values_defaults_to_text_and_refuses_others()
    {
        foreach (var row in Documented().Where(r => r.Formats.Count > 0))
        {
            var format = (Option<string>)Named(Commands()[row.Command], "--format")!;
            Assert.Equal("text", format.GetDefaultValue());
            foreach (var value in row.Formats) Assert.Empty(FormatErrors(row.Command, value));
            Assert.NotEmpty(FormatErrors(row.Command, "yaml"));
        }
    }

    private static IEnumerable<string> FormatErrors(string command, string value) =>
        HomeopsCli.Build().Parse([.. command.Split(' '), "--format", value]).Errors.Select(e => e.Message).Where(m => m.Contains(value, StringComparison.Ordinal));

    [Fact]
    public void Short_aliases_mean_one_thing_everywhere()
    {
        var meanings = new Dictionary<string, HashSet<string>>();
        foreach (var (path, command) in Commands())
            foreach (var option in command.Options.Concat(HomeopsCli.Build().Options.Where(o => o.Recursive)))
                foreach (var alias in option.Aliases.Where(a => a.Length == 2))
                    (meanings.TryGetValue(alias, out var names) ? names : meanings[alias] = []).Add(option.Name);
        foreach (var (alias, names) in meanings) Assert.True(names.Count == 1, $"{alias} means {string.Join(" and ", names)}");
        Assert.Equal(["--format"], meanings["-o"]);
        Assert.Equal(["--yes"], meanings["-y"]);
        Assert.Equal(["--directory"], meanings["-C"]);
    }

    [Fact]
    public void Every_timeout_is_a_duration_and_a_bare_number_is_refused()
    {
        foreach (var row in Documented().Where(r => r.Timeout))
        {
            Assert.IsType<Option<TimeSpan>>(Named(Commands()[row.Command], "--timeout"));
            var args = row.Command.Split(' ').Concat(row.Command.StartsWith("upgrade", StringComparison.Ordinal) ? ["v1.10.6"] : []).ToArray();
            var good = HomeopsCli.Build().Parse([.. args, "--timeout", "1h30m"]);
            Assert.Empty(good.Errors);
            Assert.Equal(TimeSpan.FromMinutes(90), good.GetValue<TimeSpan>("--timeout"));
            Assert.Contains(HomeopsCli.Build().Parse([.. args, "--timeout", "30"]).Errors, e => e.Message.Contains("is not a duration", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_directory_and_kubeconfig_options_hold_for_every_command()
    {
        foreach (var (path, _) in Commands())
        {
            var parse = HomeopsCli.Build().Parse([.. path.Split(' '), "-C", "/srv/repo", "--kubeconfig", "kc"]);
            Assert.DoesNotContain(parse.Errors, e => e.Message.Contains("-C", StringComparison.Ordinal) || e.Message.Contains("--kubeconfig", StringComparison.Ordinal));
            Assert.Equal("/srv/repo", parse.GetValue<string>("--directory"));
        }
    }
}
