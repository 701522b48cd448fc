using HomeOps.Tests.Support;

namespace HomeOps.Tests.Cli;

[Trait(Category.Name, Category.EndToEnd)]
public class CliUsageTests
{
    [Fact]
    public void UsageErrorsExitWithTwoAndPointAtHelp()
    {
        var result = Process.HomeOps(Repo.Root, "talos", "genconfg");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unrecognized command or argument 'genconfg'", result.Stderr);
        Assert.Contains("run `homeops talos --help` for usage", result.Stderr);
    }

    [Fact]
    public void MissingRepositoryIsAClearErrorNotACrash()
    {
        using var empty = new TempDir();
        var result = Process.HomeOps(empty.Path, "check");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("talconfig.yaml not found", result.Stderr);
        Assert.DoesNotContain("   at ", result.Output);
    }
}
