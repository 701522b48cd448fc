using System.Net;
using System.Net.Sockets;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Diagnose;

/// <summary>The diagnoses without a plan or a cluster to read: a clear reason on stderr and exit 2, never a finding.</summary>
[Trait(Category.Name, Category.EndToEnd)]
public sealed class DiagnoseInputTests
{
    [Theory]
    [InlineData("ipv6")]
    [InlineData("storage")]
    public void A_missing_kubeconfig_says_where_one_comes_from(string topic)
    {
        using var temp = new TempDir();
        var result = Process.HomeOps(Repo.Root, "diagnose", topic, "--kubeconfig", temp.File("nope"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"no kubeconfig at {temp.File("nope")}", result.Stderr);
        Assert.Contains("homeops bootstrap --only kubeconfig", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Theory]
    [InlineData("ipv6")]
    [InlineData("storage")]
    public void A_cluster_that_does_not_answer_is_named_with_its_address(string topic)
    {
        using var temp = new TempDir();
        var server = $"https://127.0.0.1:{ClosedPort()}";
        var kubeconfig = temp.Write("kubeconfig", Kubeconfigs.ForServer(server));
        var result = Process.HomeOps(Repo.Root, "diagnose", topic, "--kubeconfig", kubeconfig);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"the Kubernetes API at {server}", result.Stderr);
        Assert.Contains("does not answer", result.Stderr);
    }

    [Theory]
    [InlineData("ipv6")]
    [InlineData("storage")]
    [InlineData("usb-ssd")]
    public void A_directory_without_talconfig_has_no_plan_to_compare_with(string topic)
    {
        using var temp = new TempDir();
        var result = Process.HomeOps(temp.Path, "diagnose", topic);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("talconfig.yaml under", result.Stderr);
        Assert.Contains("homeops validate", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    /// <summary>A loopback port nothing listens on: bound, read, released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
