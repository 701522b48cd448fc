using HomeOps.Compile.Bootstrap;
using HomeOps.Compile.Repository;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Operations.Observe;
using HomeOps.Operations.Talos;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Bootstrap;

/// <summary>The tools bootstrap drives, one adapter each.</summary>
public sealed record BootstrapTools(ITalosctl Talosctl, IKubectl Kubectl, IHelm Helm, IFlux Flux, ICilium Cilium, IOnePassword OnePassword)
{
    public IEnumerable<IVersionedTool> All => [Talosctl, Kubectl, Helm, Flux, Cilium, OnePassword];
}

/// <summary>Everything a phase needs: the plans, the repository, the tools, the cluster and where to record progress.</summary>
public sealed class BootstrapContext(
    BootstrapPlan plan,
    TalosPlan talos,
    RepoModel repo,
    BootstrapTools tools,
    IClusterApiFactory clusterApi,
    TalosWorkflow workflow,
    IWorkspace workspace,
    IBootstrapEvents events,
    TimeProvider clock,
    string runId)
{
    public BootstrapPlan Plan { get; } = plan;
    public TalosPlan Talos { get; } = talos;
    public RepoModel Repo { get; } = repo;
    public BootstrapTools Tools { get; } = tools;
    public TalosWorkflow Workflow { get; } = workflow;
    public IWorkspace Workspace { get; } = workspace;
    public TimeProvider Clock { get; } = clock;
    public string RunId { get; } = runId;

    /// <summary>What `homeops validate` found in the repository before the run (preflight refuses errors).</summary>
    public IReadOnlyList<Finding> Validation { get; init; } = [];

    /// <summary>Where homeops keeps the run's files (state, log, kubeconfig): the state file's folder.</summary>
    public string StateDirectory => Path.GetDirectoryName(Path.GetFullPath(Path.Combine(Repo.Root, Plan.Config.State.File)))!;

    public string Kubeconfig => Path.Combine(StateDirectory, "kubeconfig");

    public string Talosconfig => Path.Combine(Repo.Root, Talos.TalosconfigPath);

    public string ControlPlaneNode => Talos.Nodes.First(n => n.ControlPlane).Node.IpAddress;

    private IClusterApi? _api;

    /// <summary>The Kubernetes API, through the kubeconfig the kubeconfig phase wrote.</summary>
    public IClusterApi Api => _api ??= clusterApi.Connect(Kubeconfig);

    private Action<string>? _markStep;
    private Func<string, bool>? _stepDone;
    private CancellationToken _operator;

    /// <param name="operatorCancel">The run's own cancellation (Ctrl-C), as opposed to a phase's deadline.</param>
    internal void Bind(Func<string, bool> stepDone, Action<string> markStep, CancellationToken operatorCancel = default) =>
        (_stepDone, _markStep, _operator) = (stepDone, markStep, operatorCancel);

    /// <summary>True when a per-node step finished in an earlier (possibly killed) run.</summary>
    public bool StepDone(string key) => _stepDone?.Invoke(key) ?? false;

    /// <summary>Records a finished per-node step; saved to the state file at once.</summary>
    public void MarkStep(string key) => _markStep?.Invoke(key);

    public void Emit(EventKind kind, string? phase = null, string? node = null, string? message = null, long? elapsedMs = null) =>
        events.Emit(new BootstrapEvent(Clock.GetUtcNow(), RunId, kind, phase, node, message, elapsedMs));

    /// <summary>
    /// Polls <paramref name="condition"/> with exponential backoff, from 100 ms up to the health-check
    /// interval, until it holds or <paramref name="timeout"/> passes. Never a fixed sleep: a condition
    /// that becomes true after t is seen by about 2t at the latest, and quick things are seen quickly.
    /// A Kubernetes API that does not answer yet (starting after etcd, restarting) is "not yet", not a
    /// failure; the timeout message then says so.
    /// </summary>
    public async Task WaitUntilAsync(string phase, string what, Func<CancellationToken, Task<bool>> condition, TimeSpan timeout, CancellationToken cancel)
    {
        var deadline = Clock.GetUtcNow() + timeout;
        var delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMilliseconds(100).Ticks, Plan.HealthCheckInterval.Ticks));
        string? unreachable = null;
        PhaseFailedException TimedOut() =>
            new($"timed out after {GoDuration.Format(timeout)} waiting for {what}{(unreachable is null ? "" : $" ({unreachable})")}",
                nextStep: $"check the cluster, then `homeops bootstrap --resume` (raise phases[{phase}].timeout in bootstrap-config.yaml if it is just slow)");
        try
        {
            while (true)
            {
                try
                {
                    if (await condition(cancel)) return;
                    unreachable = null;
                }
                catch (ClusterUnreachableException e) { unreachable = e.Message; }
                if (Clock.GetUtcNow() >= deadline) throw TimedOut();
                Emit(EventKind.Waiting, phase, message: unreachable is null ? what : $"{what}: {unreachable}");
                await Task.Delay(delay, Clock, cancel);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Plan.HealthCheckInterval.Ticks));
            }
        }
        catch (OperationCanceledException e) when (!_operator.IsCancellationRequested && cancel.IsCancellationRequested)
        {
            // the phase's deadline, which falls with this wait's: say what was being waited for
            throw new PhaseFailedException(TimedOut().Message, nextStep: TimedOut().NextStep, inner: e);
        }
    }
}
