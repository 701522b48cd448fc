using HomeOps.Model;

namespace HomeOps.Operations;

/// <summary>
/// The operator's repository and homeops' runtime files beside it, as operations touch them. Operations never
/// call the file system themselves: the disk adapter implements this, tests may fake it. Paths are absolute or
/// relative to <see cref="Root"/>.
/// </summary>
public interface IWorkspace
{
    /// <summary>The repository root, absolute.</summary>
    string Root { get; }

    bool FileExists(string path);

    /// <summary>The file's size in bytes; null when there is no such file.</summary>
    long? FileSize(string path);

    string ReadText(string path);

    /// <summary>
    /// Replaces an operator's file (talconfig.yaml) with new text: atomically (a temporary file renamed over it), its mode
    /// kept, and never through a symlink (refused with <see cref="HomeOpsException"/>).
    /// </summary>
    void ReplaceText(string path, string text);

    /// <summary>Creates or replaces a file of the operator's repository (what init generates), creating its directories.</summary>
    void WriteText(string path, string text);

    /// <summary>
    /// Deletes a file of the operator's repository that init wrote and no longer generates (never through a symlink), and
    /// the directories it leaves empty.
    /// </summary>
    void DeleteFile(string path);

    /// <summary>The names of the files and directories directly in <see cref="Root"/>; empty when it does not exist.</summary>
    IReadOnlyList<string> Entries();

    /// <summary>Writes one of homeops' own runtime files (Helm values) atomically, readable by the owner only from creation.</summary>
    void WritePrivate(string path, string text);

    /// <summary>Creates a directory (and missing parents) readable by the owner only from creation, when it does not exist yet.</summary>
    void CreatePrivateDirectory(string path);

    /// <summary>
    /// Claims a new, empty, owner-only file (O_CREAT|O_EXCL) in a private directory: false when the name exists, so two
    /// runs can never write the same file (etcd snapshots).
    /// </summary>
    bool TryCreateExclusive(string path);

    /// <summary>Removes a file claimed with <see cref="TryCreateExclusive"/> that was never filled (a tool failed before writing it).</summary>
    void DeleteIfEmpty(string path);

    /// <summary>
    /// Makes a file a tool will write key material into (a kubeconfig) private before the tool runs: its directory
    /// created 0700, the file created empty 0600, or an existing one made 0600; a symlink is refused.
    /// </summary>
    void PreparePrivateFile(string path);

    /// <summary>
    /// The repository's cluster lock, held until disposed: every command that changes the cluster takes it first, so
    /// two never run at once. Throws <see cref="HomeOpsException"/> naming the holder when another run has it.
    /// </summary>
    IDisposable LockCluster(string operation);

    /// <summary>Why key material must not be written to these paths (Git tracks them, ...); empty when it may.</summary>
    IReadOnlyList<Finding> RefuseSecretTargets(IEnumerable<string> paths);

    /// <summary>Writes every file holding key material (mode 0600), or none of them; throws <see cref="HomeOpsException"/> with the reason.</summary>
    void WriteSecrets(IReadOnlyList<(string Path, string Content)> files);

    /// <summary>The files in <paramref name="directory"/> matching <paramref name="pattern"/> ('*' globs), with their last write time.</summary>
    IReadOnlyList<(string Path, DateTimeOffset Modified)> Files(string directory, string pattern);

    void Move(string from, string to);
}
