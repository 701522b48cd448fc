namespace HomeOps.Operations.Maintenance;

/// <summary>
/// Waiting for a cluster to converge: check, back off (100 ms doubling up to the settings' interval), give up at the timeout.
/// The last check is made at the deadline itself, so "not healthy within the timeout" means the whole timeout was waited.
/// </summary>
public static class Poll
{
    /// <summary>Null once <paramref name="problem"/> returns null; otherwise the last problem it returned when the time is up.</summary>
    public static async Task<string?> UntilAsync(Func<CancellationToken, Task<string?>> problem, WaitSettings wait, TimeProvider clock, CancellationToken cancel)
    {
        var deadline = clock.GetUtcNow() + wait.Timeout;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var reason = await problem(cancel);
            if (reason is null) return null;
            var left = deadline - clock.GetUtcNow();
            if (left <= TimeSpan.Zero) return reason;
            await Task.Delay(delay < left ? delay : left, clock, cancel);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, wait.MaxInterval.Ticks));
        }
    }
}
