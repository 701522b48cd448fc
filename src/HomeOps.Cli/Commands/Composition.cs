using System.CommandLine;
using HomeOps.Adapters.Charts;
using HomeOps.Adapters.Factory;
using HomeOps.Adapters.Files;
using HomeOps.Adapters.Schemas;
using HomeOps.Adapters.Tools;
using HomeOps.Compile.Repository;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Operations;
using HomeOps.Operations.Charts;
using HomeOps.Operations.Talos;
using HomeOps.Validate.Charts;
using HomeOps.Validate.Schema;

namespace HomeOps.Cli.Commands;

/// <summary>Where commands get the adapters for the repository they run in (-C) and this process's environment.</summary>
public static class Composition
{
    /// <summary>The repository root: -C/--directory, absolute.</summary>
    public static string Root(ParseResult parse) => Path.GetFullPath(parse.GetValue(CliOptions.Directory)!);

    /// <summary>A path given on the command line, taken relative to the repository root (-C), like git -C.</summary>
    public static string Resolve(ParseResult parse, string path) => Path.GetFullPath(Path.Combine(Root(parse), path));

    /// <summary>The repository root, which must exist: a missing directory is bad input, never an empty (green) repository.</summary>
    public static string ExistingRoot(ParseResult parse, string? path = null)
    {
        var root = path is null ? Root(parse) : Resolve(parse, path);
        if (!Directory.Exists(root)) throw new UsageException($"{root} is not a directory (-C/--directory names the repository)");
        return root;
    }

    public static IWorkspace Workspace(ParseResult parse) => new DiskWorkspace(Root(parse), new GitCli());

    public static RepoModel LoadRepository(string root) => new DiskRepository(new GitCli()).Load(root, Environment.GetEnvironmentVariables());

    public static TalosWorkflow Talos(ParseResult parse, string[]? schemaLocations = null) => Talos(Root(parse), schemaLocations);

    public static TalosWorkflow Talos(string root, string[]? schemaLocations = null) =>
        new(new DiskSourceTree(root), new DiskWorkspace(root, new GitCli()), Schemas(schemaLocations), TimeProvider.System);

    /// <summary>The checked Talos plan of talconfig.yaml; throws <see cref="HomeOpsException"/> with its findings when it does not load.</summary>
    public static TalosPlan TalosPlan(ParseResult parse) =>
        Talos(parse).Plan(RepoFiles.TalConfig, Environment.GetEnvironmentVariables(), new FindingBag());

    /// <summary>The image factory client (schematic registration); no <paramref name="http"/>: offline, nothing is sent.</summary>
    public static IImageFactory ImageFactory(HttpClient? http) => new ImageFactoryClient(http, ImageFactoryClient.DefaultCacheDirectory);

    /// <summary>The kubeconfig given, else $KUBECONFIG, else REPO/.homeops/kubeconfig (what bootstrap writes).</summary>
    public static string KubeconfigPath(ParseResult parse)
    {
        if (parse.GetValue(CliOptions.Kubeconfig) is { Length: > 0 } given) return Resolve(parse, given);
        // KUBECONFIG may list several files (kubectl merges them); the first that exists is the one holding a usable context most often
        if (Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } listed)
            return listed.FirstOrDefault(File.Exists) ?? listed[0];
        return Path.Combine(Root(parse), ".homeops", "kubeconfig");
    }

    /// <summary>The process runner every tool adapter uses, with this process's environment.</summary>
    public static ToolRunner Runner() =>
        new(Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? ""));

    /// <summary>
    /// The schema locations: --schema-location, else HOMEOPS_SCHEMA_LOCATION, else the upstream default. The upstream
    /// location is used only when named ('default') or when no location is given at all: a repository's CI that points
    /// at a directory stays offline. Plain-http URLs are bad input.
    /// </summary>
    public static ISchemaSource Schemas(string[]? locations)
    {
        var list = locations is { Length: > 0 } ? locations.ToList() : SchemaStore.SplitLocations(Environment.GetEnvironmentVariable("HOMEOPS_SCHEMA_LOCATION"));
        foreach (var location in list)
            if (SchemaStore.Problem(location) is { } problem) throw new UsageException(problem);
        if (list.Count == 0) list.Add(SchemaStore.Default);
        var offline = Environment.GetEnvironmentVariable("HOMEOPS_OFFLINE") == "1";
        return new SchemaStore(list, SchemaStore.DefaultCacheDirectory, offline ? null : SchemaStore.CreateClient());
    }

    /// <summary>The chart cache `charts pull` fills, read-only for validate ($XDG_CACHE_HOME/homeops/charts, beside the schema cache).</summary>
    public static IChartSource Charts() => new ChartCache(ChartCache.DefaultDirectory);

    /// <summary>`charts pull` over the chart cache; HOMEOPS_OFFLINE=1: no network at all.</summary>
    public static ChartPull ChartPull() =>
        new(Environment.GetEnvironmentVariable("HOMEOPS_OFFLINE") == "1" ? null : new HttpChartClient(HttpChartClient.CreateClient()), new ChartCache(ChartCache.DefaultDirectory));
}

/// <summary>Bad input the command itself found (a missing directory, nothing to check): exit 2, nothing done.</summary>
public sealed class UsageException(string message) : Exception(message);
