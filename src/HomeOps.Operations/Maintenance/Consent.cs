namespace HomeOps.Operations.Maintenance;

/// <summary>
/// How far an operation that changes the cluster may go once it has read the cluster and shown its plan:
/// <see cref="DryRun"/> stops there, <see cref="Yes"/> goes on without asking, neither asks the operator.
/// </summary>
public sealed record Consent(bool Yes, bool DryRun)
{
    public static readonly Consent Ask = new(false, false);

    /// <summary>
    /// After the plan: false on a dry run (said so), true when agreed; a refusal throws <see cref="OperationRefusedException"/>,
    /// so nothing after the plan runs without the operator's yes.
    /// </summary>
    public bool Proceed(IOperatorConsole console, string question)
    {
        if (DryRun)
        {
            console.Say("dry run: the plan above was not carried out; nothing was changed");
            return false;
        }
        if (Yes || console.Confirm(question)) return true;
        throw new OperationRefusedException("not confirmed; nothing was changed (pass --yes to run without asking, --dry-run to only see the plan)");
    }
}
