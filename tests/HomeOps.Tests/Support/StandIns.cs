using System.Text.Json;
using System.Text.Json.Nodes;
using HomeOps.Adapters.Tools;

namespace HomeOps.Tests.Support;

/// <summary>
/// The stand-in CLIs of tests/standins on PATH with their own state directory (see tests/standins/README.md):
/// write <see cref="Knobs"/>, build adapters over <see cref="Runner"/>, read what ran from <see cref="Calls"/>.
/// </summary>
public sealed class StandIns : IDisposable
{
    private readonly TempDir _state = new();

    public static string Directory => Path.Combine(Repo.Root, "tests", "standins");

    public string StatePath => _state.Path;

    public TempDir Temp => _state;

    /// <summary>PATH = the stand-ins, then the original PATH (python3 comes from there); HOMEOPS_STANDIN_STATE = the state dir.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["PATH"] = Directory + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH"),
        ["HOMEOPS_STANDIN_STATE"] = _state.Path,
    };

    public ToolRunner Runner => new(Environment);

    /// <summary>knobs.json, read by the stand-ins on every call.</summary>
    public JsonObject Knobs
    {
        get => File.Exists(_state.File("knobs.json")) ? JsonNode.Parse(File.ReadAllText(_state.File("knobs.json")))!.AsObject() : new JsonObject();
        set => File.WriteAllText(_state.File("knobs.json"), value.ToJsonString());
    }

    public void SetKnobs(string json) => Knobs = JsonNode.Parse(json)!.AsObject();

    /// <summary>One logged invocation: what ran, on which node, the delay knob it slept and its process id.</summary>
    public sealed record Call(string Tool, IReadOnlyList<string> Argv, string Command, string? Node, double Delay = 0, int Pid = 0);

    /// <summary>Every invocation so far, from calls.log.</summary>
    public IReadOnlyList<Call> Calls => !File.Exists(_state.File("calls.log")) ? [] :
        File.ReadAllLines(_state.File("calls.log")).Where(l => l.Length > 0).Select(l =>
        {
            var e = JsonDocument.Parse(l).RootElement;
            return new Call(e.GetProperty("tool").GetString()!, e.GetProperty("argv").EnumerateArray().Select(a => a.GetString()!).ToList(),
                e.GetProperty("command").GetString()!, e.GetProperty("node").GetString(),
                e.TryGetProperty("delay", out var delay) ? delay.GetDouble() : 0, e.TryGetProperty("pid", out var pid) ? pid.GetInt32() : 0);
        }).ToList();

    /// <summary>A kill the `kill` knob fired: which knob, in which phase, at which call, before or after its effect.</summary>
    public sealed record Kill(string Id, string? Phase, string Tool, string Command, string? Node, string When);

    /// <summary>Every kill the `kill` knob fired so far, from kills.log.</summary>
    public IReadOnlyList<Kill> Kills => !File.Exists(_state.File("kills.log")) ? [] :
        File.ReadAllLines(_state.File("kills.log")).Where(l => l.Length > 0).Select(l =>
        {
            var e = JsonDocument.Parse(l).RootElement;
            return new Kill(e.GetProperty("id").GetString()!, e.GetProperty("phase").GetString(), e.GetProperty("tool").GetString()!,
                e.GetProperty("command").GetString()!, e.GetProperty("node").GetString(), e.GetProperty("when").GetString()!);
        }).ToList();

    /// <summary>A stand-in's own state file (talos.json, helm.json, ...), or an empty object.</summary>
    public JsonObject StateOf(string file) =>
        File.Exists(_state.File(file)) ? JsonNode.Parse(File.ReadAllText(_state.File(file)))!.AsObject() : new JsonObject();

    public void Dispose() => _state.Dispose();
}
