using System.Text.Json;
using System.Text.Json.Serialization;
using HomeOps.Model;
using HomeOps.Operations.Bootstrap;

namespace HomeOps.Adapters.Files;

/// <summary>
/// The bootstrap state file: JSON, written to a temp file beside it (0600 from creation), fsynced, renamed over the
/// old one and the directory fsynced, so a crash at any instant leaves either the previous or the new state, never a mix.
/// </summary>
public sealed class StateFile(string path) : IStateStore
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string Path { get; } = path;

    public BootstrapState? Load()
    {
        if (!File.Exists(Path)) return null;
        string text;
        try { text = File.ReadAllText(Path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw Corrupt($"cannot read it: {e.Message}"); }
        try
        {
            var state = JsonSerializer.Deserialize<BootstrapState>(text, Options) ?? throw new JsonException("the file holds null");
            if (state.Version != BootstrapState.CurrentVersion) throw Corrupt($"it has version {state.Version}; this homeops reads version {BootstrapState.CurrentVersion}");
            return state;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            throw Corrupt(e.Message);
        }
    }

    public void Save(BootstrapState state)
    {
        SafeFiles.CreatePrivateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        SafeFiles.Commit(SafeFiles.Stage(Path, JsonSerializer.SerializeToUtf8Bytes(state, Options)), Path);
    }

    private HomeOpsException Corrupt(string why) => new([Finding.Error("bootstrap/state", SourceLocation.InFile(Path),
        $"the bootstrap state file is unusable: {why}",
        $"nothing was changed. Inspect it; to start over, move it away (mv {Path} {Path}.bak) and run `homeops bootstrap` — every phase re-checks the cluster and skips what is already done")]);
}
