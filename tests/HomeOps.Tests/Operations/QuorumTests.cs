using HomeOps.Model;
using HomeOps.Operations.Maintenance;

namespace HomeOps.Tests.Operations;

public sealed class QuorumTests
{
    private static readonly NodeRef[] Refs = [new("a", "10.0.0.1", true), new("b", "10.0.0.2", true), new("c", "10.0.0.3", true)];

    private static NodeHealth[] Cluster(params bool[] healthy) =>
        Refs.Select((r, i) => new NodeHealth(r, healthy[i], healthy[i], true, healthy[i], healthy[i] ? null : "is down")).ToArray();

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(2, 2, 0)]
    [InlineData(3, 2, 1)]
    [InlineData(4, 3, 1)]
    [InlineData(5, 3, 2)]
    public void Quorum_is_a_strict_majority(int members, int needed, int tolerated)
    {
        Assert.Equal(needed, EtcdQuorum.Needed(members));
        Assert.Equal(tolerated, EtcdQuorum.Tolerated(members));
    }

    [Fact]
    public void One_healthy_node_of_three_may_go_down()
    {
        var verdict = EtcdQuorum.CanTakeDown(Cluster(true, true, true), 3, Refs[0], "resetting");
        Assert.True(verdict.Allowed, verdict.Reason);
    }

    [Fact]
    public void A_second_node_may_not_go_down_while_one_is_down()
    {
        var verdict = EtcdQuorum.CanTakeDown(Cluster(true, true, false), 3, Refs[0], "resetting");
        Assert.False(verdict.Allowed);
        Assert.Contains("c (10.0.0.3) is down", verdict.Reason);
    }

    [Fact]
    public void A_node_that_is_down_already_changes_nothing()
    {
        Assert.True(EtcdQuorum.CanTakeDown(Cluster(true, true, false), 3, Refs[2], "resetting").Allowed);
    }

    [Fact]
    public void Without_a_member_list_quorum_cannot_be_judged()
    {
        Assert.False(EtcdQuorum.CanTakeDown(Cluster(false, false, false), 0, Refs[0], "resetting").Allowed);
    }

    [Theory]
    [InlineData("v1.10.6", null)]
    [InlineData("v1.10.5", null)]
    [InlineData("v1.11.0", null)]
    [InlineData("1.10.6", "not a Talos release version")]
    [InlineData("v1.10", "not a Talos release version")]
    [InlineData("v1.10.6-beta.0", null)] // pre-releases parse (Talos compares the version triple only)
    [InlineData("v1.11.0-alpha.1", null)]
    [InlineData("v1.10.4", "older")]
    [InlineData("v2.0.0", "skips a release line")]
    public void Upgrade_targets(string version, string? problem)
    {
        var found = UpgradeTarget.Problem(version, new ReleaseVersion(1, 10, 5), out _);
        if (problem is null) Assert.Null(found);
        else Assert.Contains(problem, found);
    }
}
