using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using HomeOps.Compile.Init;
using HomeOps.Model;

namespace HomeOps.Operations.Init;

/// <summary>What init does with one file.</summary>
public enum FileAction
{
    /// <summary>New: the file does not exist.</summary>
    Create,

    /// <summary>init wrote it last time and nobody changed it since; the spec changed, so it is rewritten.</summary>
    Update,

    /// <summary>Already what init would write.</summary>
    Unchanged,

    /// <summary>It differs from what init wrote last time (or init has no record of it): a local edit, never overwritten.</summary>
    KeepLocalEdit,

    /// <summary>init wrote it, nobody changed it, and the spec no longer asks for it (a component turned off): deleted.</summary>
    Remove,

    /// <summary>init wrote it and the spec no longer asks for it, but it was edited since: kept, for the operator to decide.</summary>
    KeepNoLongerGenerated,
}

/// <summary>One file of the plan; <see cref="Generated"/> is null for a file init no longer generates.</summary>
public sealed record PlannedFile(string Path, FileAction Action, string? Current, string? Generated);

/// <summary>
/// Writes a generated repository without ever overwriting an operator's edit: a file is rewritten only
/// when it is byte for byte what init wrote last time (the digests in <see cref="StatePath"/>).
/// </summary>
public sealed class InitWorkflow(IWorkspace workspace)
{
    /// <summary>Digests of what init last wrote; in the ignored .homeops/, so a fresh clone treats every differing file as a local edit.</summary>
    public const string StatePath = ".homeops/init.json";

    /// <summary>Refuses a directory that holds files but no cluster spec: init writes into an empty directory or one it wrote.</summary>
    public void CheckTarget()
    {
        var foreign = workspace.Entries().Where(e => e is not (".git" or ".homeops")).ToList();
        if (foreign.Count > 0 && !workspace.FileExists(RepositoryGenerator.SpecPath))
            throw new HomeOpsException(Finding.Error("init/target", SourceLocation.InFile(workspace.Root),
                $"{workspace.Root} is not empty ({string.Join(", ", foreign.Take(3))}{(foreign.Count > 3 ? ", …" : "")}) and init did not write it",
                "run init in a new, empty directory (it writes the whole repository there)"));
    }

    public IReadOnlyList<PlannedFile> Plan(IEnumerable<GeneratedFile> files)
    {
        var written = LastWritten();
        var generated = files.ToList();
        var planned = generated.Select(file =>
        {
            if (!workspace.FileExists(file.Path)) return new PlannedFile(file.Path, FileAction.Create, null, file.Text);
            var current = workspace.ReadText(file.Path);
            if (current == file.Text) return new PlannedFile(file.Path, FileAction.Unchanged, current, file.Text);
            var untouched = written.TryGetValue(file.Path, out var digest) && digest == Digest(current);
            return new PlannedFile(file.Path, untouched ? FileAction.Update : FileAction.KeepLocalEdit, current, file.Text);
        }).ToList();
        // what init wrote before and the spec no longer asks for
        var still = generated.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, digest) in written.Where(w => !still.Contains(w.Key) && workspace.FileExists(w.Key)).OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            var current = workspace.ReadText(path);
            planned.Add(new PlannedFile(path, Digest(current) == digest ? FileAction.Remove : FileAction.KeepNoLongerGenerated, current, null));
        }
        return planned;
    }

    /// <summary>Writes the creates and updates, then records the digest of every file now as init wrote it.</summary>
    public void Apply(IReadOnlyList<PlannedFile> plan)
    {
        var written = LastWritten();
        foreach (var file in plan)
        {
            if (file.Action is FileAction.Create or FileAction.Update) workspace.WriteText(file.Path, file.Generated!);
            if (file.Action is FileAction.Remove) workspace.DeleteFile(file.Path);
            // a removed file leaves the record; an edited one that is no longer generated stays in it, so a later
            // run still knows init wrote it
            if (file.Action is FileAction.Remove) written.Remove(file.Path);
            else if (file.Generated is not null && file.Action is not FileAction.KeepLocalEdit) written[file.Path] = Digest(file.Generated);
        }
        workspace.WritePrivate(StatePath, JsonSerializer.Serialize(new SortedDictionary<string, string>(written, StringComparer.Ordinal), JsonOptions));
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private Dictionary<string, string> LastWritten()
    {
        if (!workspace.FileExists(StatePath)) return new(StringComparer.Ordinal);
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string>>(workspace.ReadText(StatePath)) ?? new(StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            // A damaged record only makes init more careful: every differing file counts as a local edit.
            return new(StringComparer.Ordinal);
        }
    }

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
