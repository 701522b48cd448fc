using System.Diagnostics;

namespace HomeOps.Tests.Support;

/// <summary>Locations of the repository under test and the shared schema data beside it.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Schemas => Path.GetFullPath(Path.Combine(Root, "..", "shared", "schemas"));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "homeops.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (homeops.slnx) not found");
    }

    /// <summary>A scratch copy of the reference cluster files in a fresh Git repository, like an operator's clone.</summary>
    /// <summary>The reference's Talos side (talconfig.yaml, patches); with <paramref name="gitops"/> also its GitOps tree and bootstrap-config.yaml.</summary>
    public static string CopyReference(TempDir temp, bool git = true, bool gitops = false)
    {
        foreach (var file in new[] { "talconfig.yaml", ".gitignore", ".env.example" }.Concat(gitops ? ["bootstrap-config.yaml", ".homeopsignore"] : []))
            File.Copy(Path.Combine(Root, file), Path.Combine(temp.Path, file));
        CopyDirectory(Path.Combine(Root, "talos", "patches"), Path.Combine(temp.Path, "talos", "patches"));
        foreach (var directory in gitops ? new[] { "clusters", "infrastructure", "apps" } : [])
            CopyDirectory(Path.Combine(Root, directory), Path.Combine(temp.Path, directory));
        if (git)
        {
            Process.Run("git", temp.Path, "init", "-q");
            Process.Run("git", temp.Path, "add", "-A");
            Process.Run("git", temp.Path, "-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-qm", "reference");
        }
        return temp.Path;
    }

    public static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.EnumerateDirectories(from)) CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}

public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("homeops-test-").FullName;

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    public string Write(string relative, string content)
    {
        var full = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, content);
        return full;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

public static class Process
{
    public static ProcessResult Run(string file, string workingDirectory, params string[] arguments) =>
        Run(file, workingDirectory, null, arguments);

    public static ProcessResult Run(string file, string workingDirectory, IDictionary<string, string>? environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        return Finish(process, TimeSpan.FromMinutes(2), stdout, stderr, file, arguments);
    }

    /// <summary>Runs the real CLI (built beside the tests) in <paramref name="directory"/>, offline.</summary>
    public static ProcessResult HomeOps(string directory, params string[] arguments) =>
        HomeOps(directory, new Dictionary<string, string>(), arguments);

    public static ProcessResult HomeOps(string directory, Dictionary<string, string> environment, params string[] arguments)
    {
        environment.TryAdd("HOMEOPS_OFFLINE", "1");
        environment.TryAdd("XDG_CACHE_HOME", System.IO.Path.Combine(directory, ".cache-test"));
        return Run("dotnet", directory, environment, [System.IO.Path.Combine(AppContext.BaseDirectory, "homeops.dll"), .. arguments]);
    }

    /// <summary>Runs the real CLI with <paramref name="stdin"/> piped in (an empty string: stdin redirected and empty).</summary>
    public static ProcessResult HomeOpsWithInput(string directory, Dictionary<string, string> environment, string stdin, params string[] arguments)
    {
        environment.TryAdd("HOMEOPS_OFFLINE", "1");
        environment.TryAdd("XDG_CACHE_HOME", System.IO.Path.Combine(directory, ".cache-test"));
        return RunWithInput("dotnet", directory, environment, stdin, [System.IO.Path.Combine(AppContext.BaseDirectory, "homeops.dll"), .. arguments]);
    }

    /// <summary>Runs <paramref name="file"/> with <paramref name="stdin"/> piped in, then closed.</summary>
    public static ProcessResult RunWithInput(string file, string directory, Dictionary<string, string> environment, string stdin, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        return Finish(process, TimeSpan.FromMinutes(6), stdout, stderr, file, arguments);
    }

    // A test must end even when the command does not: a process past its time is killed, and output is awaited only
    // for a bounded time (a background child that inherited stdout would otherwise keep the pipe open forever).
    private static ProcessResult Finish(System.Diagnostics.Process process, TimeSpan limit, Task<string> stdout, Task<string> stderr,
        string file, string[] arguments)
    {
        var command = $"{file} {string.Join(' ', arguments)}";
        if (!process.WaitForExit(limit)) { process.Kill(true); throw new TimeoutException($"still running after {limit}: {command}"); }
        if (!Task.WaitAll([stdout, stderr], TimeSpan.FromMinutes(1)))
            throw new TimeoutException($"exited, but its output stayed open (a child still holds it): {command}");
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
