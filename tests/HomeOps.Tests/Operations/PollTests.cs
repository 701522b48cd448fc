using HomeOps.Operations.Maintenance;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Operations;

/// <summary>The wait every day-2 operation uses, on virtual time: when it checks and when it gives up.</summary>
public sealed class PollTests
{
    private static readonly WaitSettings TwoMinutes = new(TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(5));

    [Fact]
    public void A_problem_that_stays_is_checked_last_at_the_deadline_and_returned()
    {
        var time = new VirtualTime();
        var checks = new List<TimeSpan>();
        var result = time.Run(() => Poll.UntilAsync(_ =>
        {
            checks.Add(time.Elapsed);
            return Task.FromResult<string?>("Node mini01 is NotReady");
        }, TwoMinutes, time.Clock, CancellationToken.None));

        Assert.Equal("Node mini01 is NotReady", result);
        Assert.Equal(TimeSpan.FromMinutes(2), checks[^1]);
        Assert.Equal(TimeSpan.FromMinutes(2), time.Elapsed);
        // backs off 100 ms, 200 ms, ... up to the interval: never more than 5 s between two checks
        Assert.All(checks.Zip(checks.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_problem_that_clears_ends_the_wait_at_the_next_check()
    {
        var time = new VirtualTime();
        var result = time.Run(() => Poll.UntilAsync(_ =>
            Task.FromResult(time.Elapsed < TimeSpan.FromSeconds(42) ? "volume degraded" : null), TwoMinutes, time.Clock, CancellationToken.None));

        Assert.Null(result);
        Assert.InRange(time.Elapsed, TimeSpan.FromSeconds(42), TimeSpan.FromSeconds(47));
    }
}
