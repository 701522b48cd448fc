using System.Reflection;
using System.Xml.Linq;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Architecture;

/// <summary>
/// The layers of docs/architecture.md, checked on the built assemblies and on the project files: a reference that runs
/// upwards does not compile (project references), and these tests keep the project files, namespaces and assemblies
/// saying the same thing.
/// </summary>
public sealed class LayeringTests
{
    /// <summary>Lowest first; each layer may use the ones before it and nothing after it.</summary>
    private static readonly string[] Layers = ["HomeOps.Model", "HomeOps.Compile", "HomeOps.Validate", "HomeOps.Operations", "HomeOps.Adapters", "homeops"];

    private static readonly Assembly[] Assemblies =
    [
        typeof(global::HomeOps.Model.Finding).Assembly, typeof(global::HomeOps.Compile.Talos.TalosCompiler).Assembly, typeof(global::HomeOps.Validate.Engine.Validator).Assembly,
        typeof(global::HomeOps.Operations.IWorkspace).Assembly, typeof(global::HomeOps.Adapters.Files.DiskWorkspace).Assembly, typeof(global::HomeOps.Cli.Commands.ExitCodes).Assembly,
    ];

    [Fact]
    public void Every_layer_is_one_assembly_in_the_documented_order()
    {
        Assert.Equal(Layers, Assemblies.Select(a => a.GetName().Name));
    }

    [Fact]
    public void No_assembly_references_a_layer_above_it()
    {
        foreach (var (assembly, level) in Assemblies.Select((a, i) => (a, i)))
        {
            var upward = assembly.GetReferencedAssemblies().Select(r => r.Name!).Where(n => Array.IndexOf(Layers, n) > level).ToList();
            Assert.True(upward.Count == 0, $"{assembly.GetName().Name} references {string.Join(", ", upward)}, a layer above it");
        }
    }

    [Fact]
    public void Each_project_references_only_the_layer_directly_below()
    {
        for (var level = 0; level < Layers.Length; level++)
        {
            var project = level == Layers.Length - 1 ? "HomeOps.Cli" : Layers[level];
            var references = XDocument.Load(Path.Combine(Repo.Root, "src", project, $"{project}.csproj"))
                .Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!)).ToList();
            Assert.Equal(level == 0 ? [] : [level == Layers.Length - 1 ? "HomeOps.Adapters" : Layers[level - 1]], references);
        }
    }

    [Fact]
    public void Every_type_lives_in_its_own_layers_namespace_and_no_namespace_is_named_like_a_type_in_it()
    {
        foreach (var assembly in Assemblies)
        {
            var root = assembly.GetName().Name == "homeops" ? "HomeOps.Cli" : assembly.GetName().Name!;
            var types = assembly.GetTypes().Where(t => !t.IsNested && t.Namespace is not null && !t.Name.StartsWith('<')
                && t.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is null).ToList();
            foreach (var type in types)
                Assert.True(type.Namespace == root || type.Namespace!.StartsWith(root + ".", StringComparison.Ordinal),
                    $"{type.FullName} is in {assembly.GetName().Name} but not under the namespace {root}");
            foreach (var group in types.GroupBy(t => t.Namespace!))
            {
                var last = group.Key.Split('.')[^1];
                Assert.False(group.Any(t => t.Name == last), $"namespace {group.Key} holds a type named {last}");
            }
        }
    }
}
