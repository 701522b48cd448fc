using System.Text.Json;
using System.Text.Json.Serialization;

namespace HomeOps.Operations.Bootstrap;

public enum EventKind { RunStarted, PhaseStarted, PhaseSkipped, PhaseCompleted, PhaseFailed, StepStarted, StepCompleted, Retry, Waiting, RunCompleted, RunFailed }

/// <summary>One thing that happened in a run; the event log holds one per line, the terminal shows them live.</summary>
public sealed record BootstrapEvent(
    [property: JsonPropertyName("time")] DateTimeOffset Time,
    [property: JsonPropertyName("run")] string RunId,
    [property: JsonPropertyName("event")] EventKind Kind,
    [property: JsonPropertyName("phase")] string? Phase = null,
    [property: JsonPropertyName("node")] string? Node = null,
    [property: JsonPropertyName("message")] string? Message = null,
    [property: JsonPropertyName("elapsedMs")] long? ElapsedMs = null)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

public interface IBootstrapEvents
{
    void Emit(BootstrapEvent e);
}

/// <summary>Sends each event to several sinks (the log file and the terminal).</summary>
public sealed class EventFanOut(params IBootstrapEvents[] sinks) : IBootstrapEvents
{
    public void Emit(BootstrapEvent e)
    {
        foreach (var sink in sinks) sink.Emit(e);
    }
}
