using HomeOps.Operations.Tools;
namespace HomeOps.Operations.Bootstrap;

/// <summary>
/// One bootstrap phase. Idempotent by construction: the engine asks <see cref="IsDoneAsync"/>
/// (the phase's postcondition, checked against the real cluster) before running it, and again
/// after, so a phase that already happened is skipped and one that did not finish is not trusted.
/// </summary>
public interface IPhase
{
    string Name { get; }

    /// <summary>The postcondition: true when the cluster already is as this phase leaves it.</summary>
    Task<bool> IsDoneAsync(BootstrapContext context, CancellationToken cancel);

    Task RunAsync(BootstrapContext context, CancellationToken cancel);

    /// <summary>What the phase would do, as exact commands with secrets redacted (for --dry-run).</summary>
    IEnumerable<string> Describe(BootstrapContext context);
}

/// <summary>A phase failed: where, on which node, the command, its output tail and what to do next.</summary>
public sealed class PhaseFailedException(string message, string? node = null, string? command = null, string? outputTail = null, string? nextStep = null, Exception? inner = null)
    : Exception(message, inner)
{
    public string? Node { get; } = node;
    public string? Command { get; } = command;
    public string? OutputTail { get; } = outputTail;
    public string? NextStep { get; } = nextStep;

    public static PhaseFailedException From(ToolFailedException e, string? node = null, string? nextStep = null) =>
        new(e.Message, node, e.Result.CommandLine, e.Result.Tail(), nextStep, e);
}
