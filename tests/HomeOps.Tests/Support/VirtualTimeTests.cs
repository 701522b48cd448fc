namespace HomeOps.Tests.Support;

public sealed class VirtualTimeTests
{
    [Fact]
    public void A_delay_of_an_hour_takes_an_hour_of_virtual_time()
    {
        var time = new VirtualTime();
        var result = time.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromHours(1), time.Clock);
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10), time.Clock);
            await Task.WhenAll(Task.Delay(TimeSpan.FromSeconds(30), time.Clock, cts.Token), Task.Delay(TimeSpan.FromSeconds(20), time.Clock, cts.Token));
            return time.Elapsed;
        });
        Assert.Equal(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(30), result);
    }
}
