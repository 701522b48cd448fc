using System.CommandLine;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Adapters.Tools;
using HomeOps.Model;
using HomeOps.Operations;
using HomeOps.Validate.Schema;

namespace HomeOps.Cli.Commands;

/// <summary>Exit codes: 0 clean, 1 findings with errors, 2 usage or internal failure.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Findings = 1;
    public const int Failure = 2;

    /// <summary>The last line of defence: no operator ever sees a stack trace.</summary>
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (HomeOpsException e)
        {
            Output.FindingPrinter.Print(e.Findings, Console.Error);
            return Findings;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"homeops: internal error: {e.GetType().Name}: {e.Message}");
            Console.Error.WriteLine("  this is a bug; please report it with the command you ran (set HOMEOPS_DEBUG=1 for the trace)");
            if (Environment.GetEnvironmentVariable("HOMEOPS_DEBUG") == "1") Console.Error.WriteLine(e);
            return Failure;
        }
    }
}

/// <summary>Options shared by every command that reads the repository.</summary>
public static class CommonOptions
{
    public static readonly Option<string> Repo = new("--repo", "-C")
    {
        Description = "Repository root (holds talconfig.yaml)",
        DefaultValueFactory = _ => ".",
        Recursive = true,
    };

    public static Option<string[]> SchemaLocation() => new("--schema-location")
    {
        Description = "Where to find JSON schemas, in order: a directory laid out as talos/<line>/config.schema.json and " +
                      "crds/<group>/<kind>_<version>.json, an http(s) base URL, or 'default' (upstream; downloads are cached in " +
                      "$XDG_CACHE_HOME/homeops/schemas). Repeatable. Env: HOMEOPS_SCHEMA_LOCATION (':'-separated).",
    };

    /// <summary>--kubeconfig for commands that read a live cluster; see <see cref="KubeconfigPath"/> for the default.</summary>
    public static Option<string> Kubeconfig() => new("--kubeconfig")
    {
        Description = "Kubeconfig of the live cluster (default: $KUBECONFIG, else the one bootstrap wrote, .homeops/kubeconfig)",
    };

    /// <summary>The kubeconfig given, else $KUBECONFIG, else REPO/.homeops/kubeconfig (what bootstrap writes).</summary>
    public static string KubeconfigPath(ParseResult parse, Option<string> option)
    {
        if (parse.GetValue(option) is { Length: > 0 } given) return Path.GetFullPath(given);
        // KUBECONFIG may list several files (kubectl merges them); the first that exists is the one holding a usable context most often
        if (Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } listed)
            return listed.FirstOrDefault(File.Exists) ?? listed[0];
        return Path.Combine(Path.GetFullPath(parse.GetValue(Repo)!), ".homeops", "kubeconfig");
    }

    /// <summary>The repository on disk, as operations may touch it.</summary>
    public static IWorkspace Workspace(ParseResult parse) => new DiskWorkspace(parse.GetValue(Repo)!, new GitCli());

    /// <summary>The process runner every tool adapter uses, with this process's environment.</summary>
    public static ToolRunner Runner() =>
        new(Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? ""));

    public static ISchemaSource Schemas(string[]? locations)
    {
        var list = locations is { Length: > 0 }
            ? locations.ToList()
            : (Environment.GetEnvironmentVariable("HOMEOPS_SCHEMA_LOCATION")?.Split(':', StringSplitOptions.RemoveEmptyEntries).ToList() ?? []);
        if (!list.Contains(SchemaStore.Default)) list.Add(SchemaStore.Default);
        var offline = Environment.GetEnvironmentVariable("HOMEOPS_OFFLINE") == "1";
        return new SchemaStore(list, SchemaStore.DefaultCacheDirectory, offline ? null : new HttpClient { Timeout = TimeSpan.FromSeconds(10) });
    }
}
