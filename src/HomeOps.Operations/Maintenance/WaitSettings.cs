namespace HomeOps.Operations.Maintenance;

public sealed record WaitSettings(TimeSpan Timeout, TimeSpan MaxInterval)
{
    public static readonly WaitSettings Default = new(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5));
}
