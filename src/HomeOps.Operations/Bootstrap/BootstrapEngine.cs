using HomeOps.Compile.Bootstrap;
using HomeOps.Model;
using HomeOps.Model.Yaml;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Bootstrap;

public sealed record BootstrapOptions(bool Resume = false, string? From = null, string? Only = null);

/// <summary>The whole failure, as the operator needs it: phase, node, command, output tail, next step.</summary>
public sealed class BootstrapFailedException(string phase, PhaseFailedException cause)
    : Exception($"phase {phase} failed: {cause.Message}", cause)
{
    public string Phase { get; } = phase;
    public PhaseFailedException Cause { get; } = cause;

    /// <summary>The run's event log (bootstrap-config.yaml state.log), for the operator to read.</summary>
    public string? Log { get; init; }
}

/// <summary>
/// Runs the phases in order, each at most once per run: postcondition first (done → skip), then the
/// phase with its retries and timeout, then the postcondition again. The state file is saved after
/// every phase and every per-node step, so a run killed at any instant resumes where it stopped.
/// </summary>
public sealed class BootstrapEngine(IReadOnlyList<IPhase> phases, IStateStore store)
{
    private readonly Lock _gate = new();

    public IReadOnlyList<IPhase> Phases { get; } = phases;

    /// <summary>The phases a run with these options visits, in order.</summary>
    public IReadOnlyList<IPhase> Select(BootstrapOptions options, BootstrapState? state)
    {
        IPhase Named(string name) => Phases.FirstOrDefault(p => p.Name == name)
            ?? throw new HomeOpsException([Finding.Error("usage", SourceLocation.InFile("--from/--only"), $"unknown phase '{name}'",
                Suggest.Nearest(name, Phases.Select(p => p.Name)) is { } near ? $"did you mean '{near}'?" : $"phases: {string.Join(", ", Phases.Select(p => p.Name))}")]);
        if (options.Only is { } only) return [Named(only)];
        if (options.From is { } from) return Phases.SkipWhile(p => p.Name != Named(from).Name).ToList();
        if (!options.Resume || state is null) return Phases;
        var firstOpen = Phases.Select((p, i) => (p, i)).FirstOrDefault(x => !state.Completed(x.p.Name));
        if (firstOpen.p is null) return [Phases[^1]]; // everything completed: re-check the last phase only
        // The last completed phase is re-checked before it is trusted: its effect may have been undone since.
        return Phases.Skip(Math.Max(0, firstOpen.i - 1)).ToList();
    }

    public async Task<BootstrapState> RunAsync(BootstrapContext context, BootstrapOptions options, CancellationToken cancel)
    {
        var previous = store.Load();
        var state = new BootstrapState { RunId = context.RunId, Phases = previous?.Phases ?? [], Steps = previous?.Steps ?? new(StringComparer.Ordinal) };
        context.Bind(key => { lock (_gate) return state.Steps.Contains(key); }, key => Update(state, s => s.Steps.Add(key)), cancel);
        var run = context.Clock.GetTimestamp();
        context.Emit(EventKind.RunStarted, message: options.Resume ? "resume" : options.Only ?? options.From ?? "all phases");
        foreach (var phase in Select(options, previous))
        {
            try { await RunPhaseAsync(phase, context, state, cancel); }
            catch (PhaseFailedException e)
            {
                Update(state, s => s.Phases[phase.Name] = s.Phases[phase.Name] with { Status = PhaseStatus.Failed, FinishedAt = context.Clock.GetUtcNow(), Error = e.Message });
                context.Emit(EventKind.PhaseFailed, phase.Name, e.Node, e.Message);
                context.Emit(EventKind.RunFailed, phase.Name, message: e.Message, elapsedMs: Milliseconds(context, run));
                throw new BootstrapFailedException(phase.Name, e) { Log = context.Plan.Config.State.Log };
            }
        }
        context.Emit(EventKind.RunCompleted, elapsedMs: Milliseconds(context, run));
        return state;
    }

    private static long Milliseconds(BootstrapContext context, long since) => (long)context.Clock.GetElapsedTime(since).TotalMilliseconds;

    private async Task RunPhaseAsync(IPhase phase, BootstrapContext context, BootstrapState state, CancellationToken cancel)
    {
        var plan = context.Plan.Phase(phase.Name);
        var clock = context.Clock.GetTimestamp();
        Update(state, s => s.Phases[phase.Name] = new PhaseRecord(PhaseStatus.Running, context.Clock.GetUtcNow()));
        context.Emit(EventKind.PhaseStarted, phase.Name);
        if (await AlreadyDoneAsync(phase, context, plan, cancel))
        {
            Update(state, s => s.Phases[phase.Name] = s.Phases[phase.Name] with { Status = PhaseStatus.Skipped, FinishedAt = context.Clock.GetUtcNow() });
            context.Emit(EventKind.PhaseSkipped, phase.Name, message: "already done", elapsedMs: Milliseconds(context, clock));
            return;
        }
        for (var attempt = 1; ; attempt++)
        {
            // the phase's deadline runs on the context's clock, like every wait inside the phase
            using var deadline = new CancellationTokenSource(plan.Timeout, context.Clock);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel, deadline.Token);
            try
            {
                await Guard(() => phase.RunAsync(context, timeout.Token), plan, cancel);
                break;
            }
            catch (PhaseFailedException e) when (attempt < Math.Max(1, plan.Retries) && !cancel.IsCancellationRequested)
            {
                context.Emit(EventKind.Retry, phase.Name, e.Node, $"attempt {attempt} of {plan.Retries} failed: {e.Message}; retrying in {GoDuration.Format(plan.RetryDelay)}");
                await Task.Delay(plan.RetryDelay, context.Clock, cancel);
            }
        }
        if (!await Guard(() => phase.IsDoneAsync(context, cancel), plan, cancel))
            throw new PhaseFailedException($"{phase.Name} finished, but the cluster is not in the state it should leave",
                nextStep: "inspect the cluster, then `homeops bootstrap --resume`");
        Update(state, s => s.Phases[phase.Name] = s.Phases[phase.Name] with { Status = PhaseStatus.Completed, FinishedAt = context.Clock.GetUtcNow() });
        context.Emit(EventKind.PhaseCompleted, phase.Name, elapsedMs: Milliseconds(context, clock));
    }

    /// <summary>
    /// The postcondition before running: a check that cannot be made now (the API server still starting, a tool that cannot
    /// reach the cluster yet) means "not known to be done", so the phase runs and waits for the cluster itself.
    /// </summary>
    private static async Task<bool> AlreadyDoneAsync(IPhase phase, BootstrapContext context, PhasePlan plan, CancellationToken cancel)
    {
        try { return await Guard(() => phase.IsDoneAsync(context, cancel), plan, cancel); }
        catch (PhaseFailedException e) when (e.InnerException is ToolFailedException or ClusterUnreachableException && !cancel.IsCancellationRequested)
        {
            context.Emit(EventKind.Waiting, phase.Name, message: $"cannot tell yet whether {phase.Name} is done ({e.Message}); running it");
            return false;
        }
    }

    /// <summary>Turns a tool failure or a timeout into a PhaseFailedException that names what to do next.</summary>
    private static async Task<T> Guard<T>(Func<Task<T>> action, PhasePlan plan, CancellationToken cancel)
    {
        try { return await action(); }
        catch (ToolFailedException e) { throw PhaseFailedException.From(e, nextStep: "fix the cause above, then `homeops bootstrap --resume`"); }
        catch (Exception e) when (e is ClusterUnreachableException or ClusterReadException)
        {
            throw new PhaseFailedException(e.Message, nextStep: "check the API server (talosctl health), then `homeops bootstrap --resume`", inner: e);
        }
        catch (OperationCanceledException e) when (!cancel.IsCancellationRequested) // the phase's deadline, not the operator's Ctrl-C
        {
            throw new PhaseFailedException($"timed out after {GoDuration.Format(plan.Timeout)}", nextStep:
                $"`homeops bootstrap --resume` (raise phases[{plan.Name}].timeout in bootstrap-config.yaml if it is just slow)", inner: e);
        }
    }

    private static Task Guard(Func<Task> action, PhasePlan plan, CancellationToken cancel) => Guard(async () => { await action(); return true; }, plan, cancel);

    private void Update(BootstrapState state, Action<BootstrapState> change)
    {
        lock (_gate)
        {
            change(state);
            store.Save(state);
        }
    }
}
