namespace HomeOps.Operations.Maintenance;

/// <summary>Bad input (unknown node, invalid version, missing file): nothing was changed.</summary>
public sealed class OperationInputException(string message) : Exception(message);

/// <summary>A guardrail said no (quorum, confirmation): nothing was changed.</summary>
public sealed class OperationRefusedException(string message) : Exception(message);

/// <summary>A step failed part-way: which node, which command, its output, and what to do next.</summary>
public sealed class OperationFailedException(string message, NodeRef? node, string? command, string? outputTail, string nextStep) : Exception(message)
{
    public NodeRef? Node { get; } = node;
    public string? Command { get; } = command;
    public string? OutputTail { get; } = outputTail;
    public string NextStep { get; } = nextStep;
}
