namespace HomeOps.Operations.Diagnose;

/// <summary>ok: nothing to do; Warn: look at it soon; Fail: broken now. Both Warn and Fail are findings.</summary>
public enum Verdict { Ok, Warn, Fail }

/// <summary>One check an operator used to run by hand: what was looked at, the verdict, and the evidence (seen against expected).</summary>
public sealed record Check(string Subject, string Name, Verdict Verdict, string Seen, string Expected)
{
    public static Check Ok(string subject, string name, string seen, string expected) => new(subject, name, Verdict.Ok, seen, expected);

    public static Check Warn(string subject, string name, string seen, string expected) => new(subject, name, Verdict.Warn, seen, expected);

    public static Check Fail(string subject, string name, string seen, string expected) => new(subject, name, Verdict.Fail, seen, expected);

    /// <summary>Ok when the condition holds, else the given verdict.</summary>
    public static Check When(bool healthy, Verdict otherwise, string subject, string name, string seen, string expected) =>
        new(subject, name, healthy ? Verdict.Ok : otherwise, seen, expected);
}

/// <summary>
/// What one `homeops diagnose TOPIC` found: every check in the order it ran, and notes (what was deliberately not
/// checked, and why). Healthy only when every check is ok.
/// </summary>
public sealed record Diagnosis(string Topic, IReadOnlyList<Check> Checks, IReadOnlyList<string> Notes)
{
    public int Failed => Checks.Count(c => c.Verdict == Verdict.Fail);

    public int Warnings => Checks.Count(c => c.Verdict == Verdict.Warn);

    public bool Healthy => Failed + Warnings == 0;
}

/// <summary>The repository or the machine lacks what a diagnosis compares against (no Longhorn release, no talosconfig): exit 2, nothing read.</summary>
public sealed class DiagnosisInputException(string message) : Exception(message);
