namespace HomeOps.Tests.Support;

/// <summary>
/// Test categories (xunit traits). End-to-end classes start real processes — the CLI, the tool stand-ins, kube-apiserver,
/// BGP speakers — and take seconds each; `./test.sh --fast` leaves them out (docs/testing in README).
/// </summary>
public static class Category
{
    public const string Name = "Category";
    public const string EndToEnd = "EndToEnd";
}
