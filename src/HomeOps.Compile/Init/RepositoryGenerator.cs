using System.Text.Json;
using System.Text.Json.Serialization;
using HomeOps.Model.Init;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Init;

/// <summary>A checked cluster spec → every file of a new cluster repository, in memory.</summary>
public static class RepositoryGenerator
{
    public const string SpecPath = RepoFiles.ClusterSpec;

    private static readonly JsonSerializerOptions SpecJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// The files for <paramref name="spec"/>; <paramref name="specText"/> is kept as cluster-spec.yaml so
    /// the next `homeops init` in this repository starts from the same answers.
    /// </summary>
    public static IReadOnlyList<GeneratedFile> Generate(ClusterSpec spec, string specText) =>
        [new GeneratedFile(SpecPath, specText), new GeneratedFile(".gitignore", GitIgnore.Value), .. TalosFiles.For(spec), .. GitOpsTree.For(spec)];

    /// <summary>Keeps talsecret.yaml, rendered configs and .homeops/ out of Git, so `talos gensecret` and `git add -A` are safe.</summary>
    private static readonly Lazy<string> GitIgnore = new(() =>
    {
        using var stream = typeof(RepositoryGenerator).Assembly.GetManifestResourceStream("init/gitignore")
            ?? throw new InvalidOperationException("init/gitignore is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>A spec built from answers (interactive init) as the YAML `--from` reads.</summary>
    public static string ToYaml(ClusterSpec spec)
    {
        spec.ApiVersion = SpecLoader.ApiVersion;
        spec.Kind = SpecLoader.Kind;
        var node = JsonSerializer.SerializeToNode(spec, SpecJson)!;
        return "# homeops cluster spec: `homeops init --from cluster-spec.yaml` regenerates this repository from it.\n" + YamlJson.ToYaml([node]);
    }
}
