using System.Text;
using HomeOps.Model;

namespace HomeOps.Adapters.Files;

/// <summary>
/// Writes files that hold key material, and refuses targets Git could commit. The guard fails closed: the target's
/// real path (every symlink in it followed) must be inside the repository, must not be a symlink itself, must not be
/// tracked (case-insensitively where the file system is), and must be ignored by Git; any question Git cannot answer
/// refuses. Files are staged (0600, fsynced) in the repository's ignored .homeops/tmp/, then renamed into place only
/// when all were staged, and the directories fsynced: a failure leaves nothing half-written, and a killed run leaves
/// its temporary files only where Git ignores them.
/// </summary>
public sealed class SecretFileWriter(string repositoryRoot, IGit git)
{
    /// <summary>Where key material is staged before its rename: inside the repository (one file system), ignored by Git.</summary>
    public const string StagingDirectory = ".homeops/tmp";

    private readonly string _root = Path.GetFullPath(repositoryRoot);

    public IReadOnlyList<Finding> Check(IEnumerable<string> relativePaths) => Resolve(relativePaths).Problems;

    private (IReadOnlyList<Finding> Problems, IReadOnlyList<string> RealPaths) Resolve(IEnumerable<string> relativePaths)
    {
        var problems = new List<Finding>();
        var resolved = new List<string>();
        string realRoot;
        try { realRoot = RealPath.Resolve(_root); }
        catch (IOException e) { return ([Refuse("secrets/git-unknown", ".", $"cannot resolve the repository's path: {e.Message}", "check the directory")], []); }
        var ignoreCase = IsCaseInsensitive(realRoot);
        var targets = relativePaths.ToList();
        foreach (var path in targets.Append(StagingDirectory + "/probe"))
        {
            var staging = path == StagingDirectory + "/probe";
            if (staging && problems.Count > 0) break; // the staging directory matters only once the targets themselves are fine
            var shown = staging ? StagingDirectory + "/" : path;
            var full = Path.GetFullPath(Path.Combine(_root, path));
            string real;
            try { real = RealPath.Resolve(full); }
            catch (IOException e)
            {
                problems.Add(Refuse("secrets/outside-repo", shown, $"refusing to write {shown}: {e.Message}", "replace the symlink loop with a directory"));
                continue;
            }
            if (!RealPath.IsInside(realRoot, real, ignoreCase))
            {
                problems.Add(Refuse("secrets/outside-repo", shown, $"refusing to write {shown}: it resolves to {real}, outside the repository",
                    "write key material inside the repository, to a path Git ignores; a symlinked directory on the way leads elsewhere"));
                continue;
            }
            if (!staging && SafeFiles.IsSymlink(full))
            {
                problems.Add(Refuse("secrets/symlink-target", shown, $"refusing to write {shown}: it is a symlink, and key material is never written through one",
                    $"remove the symlink ({shown}) and rerun"));
                continue;
            }
            var relative = Path.GetRelativePath(realRoot, real).Replace('\\', '/');
            var status = git.Status(realRoot, relative);
            if (status.Error is { } error)
                problems.Add(Refuse("secrets/git-unknown", shown, $"refusing to write {shown}: cannot tell whether Git would commit it ({error})",
                    $"fix what Git reports (for a repository owned by another user: `git config --global --add safe.directory {realRoot}`), then rerun"));
            else if (status.Tracked)
                problems.Add(Refuse("secrets/tracked-target", shown, $"refusing to write key material to {shown}: Git tracks {(relative == path ? "it" : relative)}",
                    $"run `git rm --cached {relative}`, add it to .gitignore, and rotate whatever it held"));
            else if (status.InRepository && !status.Ignored)
                problems.Add(Refuse("secrets/not-ignored", shown, $"refusing to write key material to {shown}: Git does not ignore {(relative == path ? "it" : relative)}, so `git add -A` would commit it",
                    $"add `/{(staging ? ".homeops/" : relative)}` to .gitignore, then rerun"));
            else if (!staging) resolved.Add(real);
        }
        return (problems, resolved);
    }

    private static Finding Refuse(string rule, string path, string message, string hint) => Finding.Error(rule, SourceLocation.InFile(path), message, hint);

    /// <summary>
    /// Whether names that differ only in case are one name here: the repository directory found under its name with the
    /// case swapped. (Git's own core.ignorecase decides how tracked paths are matched, in <see cref="GitCli"/>.)
    /// </summary>
    private static bool IsCaseInsensitive(string directory)
    {
        var name = Path.GetFileName(directory);
        var swapped = new string(name.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)).ToArray());
        return swapped != name && Directory.Exists(Path.Combine(Path.GetDirectoryName(directory) ?? directory, swapped));
    }

    /// <summary>Writes all files or none. Throws <see cref="HomeOpsException"/> with the reason.</summary>
    public void WriteAll(IReadOnlyList<(string Path, string Content)> files)
    {
        var (refused, targets) = Resolve(files.Select(f => f.Path));
        if (refused.Count > 0) throw new HomeOpsException(refused);
        var staging = Path.Combine(_root, StagingDirectory);
        var staged = new List<(string Temp, string Final)>();
        try
        {
            SafeFiles.CreatePrivateDirectory(staging);
            for (var i = 0; i < files.Count; i++)
            {
                var final = targets[i];
                SafeFiles.CreatePrivateDirectory(Path.GetDirectoryName(final)!); // only directories created here get 0700; an existing one is the operator's
                staged.Add((SafeFiles.Stage(final, Encoding.UTF8.GetBytes(files[i].Content), SafeFiles.PrivateFile, staging), final));
            }
            foreach (var (temp, final) in staged) File.Move(temp, final, overwrite: true);
            foreach (var directory in staged.Select(s => Path.GetDirectoryName(s.Final)!).Append(staging).Distinct()) SafeFiles.SyncDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            foreach (var (temp, _) in staged) File.Delete(temp);
            throw new HomeOpsException(Finding.Error("io/write", SourceLocation.InFile(files[0].Path),
                $"cannot write output: {e.Message}", "check that the directory exists and is writable, then rerun; nothing was written"));
        }
    }
}
