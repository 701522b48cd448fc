using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Kustomize;

/// <summary>Something a build met: a failure (kustomize would stop, so nothing of the build is applied) or a note (a part not checked).</summary>
/// <param name="MissingPath">A path the kustomization file names does not exist (flux/kustomize-resource-missing reports those of every kustomization file).</param>
public sealed record BuildProblem(SourceLocation At, string Message, string? Hint, bool Fatal, bool MissingPath = false);

/// <summary>What one kustomize build produced.</summary>
public sealed class KustomizeResult
{
    public required IReadOnlyList<Manifest> Objects { get; init; }

    public required IReadOnlyList<BuildProblem> Problems { get; init; }

    /// <summary>Every file the build read (kustomization files, resources, patches, generator inputs).</summary>
    public required IReadOnlySet<string> Files { get; init; }

    /// <summary>The build stops at its first error, as kustomize does; then <see cref="Objects"/> is empty.</summary>
    public bool Failed => Problems.Any(p => p.Fatal);
}

/// <summary>
/// kustomize build (v5.5, the one in kubectl v1.32) over the repository's files, in memory: resources
/// (files, directories, nested builds), generators (configMapGenerator, secretGenerator with name
/// hashes), components, then the transformers in kustomize's order (patchesStrategicMerge, patches,
/// namespace, namePrefix/nameSuffix, labels/commonLabels, commonAnnotations, patchesJson6902, replicas,
/// images), and at the end name hashes and name references. Each object keeps the document it came
/// from, for positions. Remote resources, plugins, replacements, vars and Helm inflation are not
/// fetched or run: they are reported as notes and the rest is built. Load restrictions are those of
/// Flux (files anywhere in the repository, nothing outside it).
/// </summary>
public sealed class KustomizeBuilder(RepoDocuments documents)
{
    public static readonly string[] KustomizationFileNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    public const string KustomizeGroup = "kustomize.config.k8s.io";

    /// <summary>The kustomization file of a directory, or null.</summary>
    public string? KustomizationFileIn(string directory) =>
        KustomizationFileNames.Select(n => directory.Length == 0 ? n : $"{directory}/{n}").FirstOrDefault(documents.Paths.IsFile);

    public RepoDocuments Documents => documents;

    /// <summary>Builds <paramref name="root"/>, a kustomization read from a directory or made by Flux.</summary>
    public KustomizeResult Build(Kustomization root)
    {
        var run = new Run(this);
        try
        {
            var resources = run.Accumulate(root, []);
            Run.AddHashes(resources);
            Run.FixNameReferences(resources);
            var objects = resources
                .Where(r => Manifest.Text(r.Body["metadata"].Field("annotations").Field("config.kubernetes.io/local-config")) != "true")
                .Select(r => r.Origin.Rendered(r.Body))
                .ToList();
            return new KustomizeResult { Objects = objects, Problems = run.Problems, Files = run.Files };
        }
        catch (BuildFailure failure)
        {
            run.Problems.Add(new BuildProblem(failure.At, failure.Message, failure.Hint, Fatal: true, failure.MissingPath));
            return new KustomizeResult { Objects = [], Problems = run.Problems, Files = run.Files };
        }
    }

    /// <summary>Reads a directory's kustomization file; null when it has none (the caller decides what that means).</summary>
    public Kustomization? Load(string directory)
    {
        if (KustomizationFileIn(directory) is not { } file) return null;
        var parsed = documents.Yaml(file);
        var document = parsed?.Documents.FirstOrDefault(d => d.Body is not null);
        if (parsed is null || parsed.Failed || document?.Manifest is null)
        {
            var at = (parsed?.Problems is { Count: > 0 } problems ? problems[0].Location : (SourceLocation?)null) ?? document?.Problem?.Location ?? SourceLocation.InFile(file);
            return new Kustomization(directory, new JsonObject(), _ => at) { File = file, Broken = "it is not a YAML mapping" };
        }
        var manifest = document.Manifest;
        return new Kustomization(directory, (JsonObject)manifest.Body.DeepClone(), manifest.At) { File = file, Manifest = manifest };
    }

    internal sealed class BuildFailure(SourceLocation at, string message, string? hint = null, bool missingPath = false) : Exception(message)
    {
        public SourceLocation At { get; } = at;
        public string? Hint { get; } = hint;
        public bool MissingPath { get; } = missingPath;
    }

    /// <summary>An object during the build: its body as transformed so far and the document it came from.</summary>
    internal sealed class Resource(JsonObject body, Manifest origin)
    {
        public JsonObject Body { get; set; } = body;
        public Manifest Origin { get; } = origin;
        public bool NeedsHash { get; set; }
        public List<ResourceId> PreviousIds { get; } = [];
        public ResourceId Current => ResourceId.Of(Body);
        public ResourceId Original => PreviousIds.Count > 0 ? PreviousIds[0] : Current;

        public void Remember() => PreviousIds.Add(Current);
    }

    /// <summary>One build: the problems and files collected on the way.</summary>
    private sealed class Run(KustomizeBuilder builder)
    {
        private readonly Stack<string> _directories = new();
        public List<BuildProblem> Problems { get; } = [];
        public HashSet<string> Files { get; } = new(StringComparer.Ordinal);

        private RepoDocuments Docs => builder.Documents;

        public List<Resource> Accumulate(Kustomization k, List<Resource> accumulated)
        {
            if (k.Broken is { } broken) throw new BuildFailure(k.At(""), $"{k.File} cannot be read: {broken}", "fix the kustomization file");
            if (k.File is not null) Files.Add(k.File);
            if (_directories.Contains(k.Directory))
                throw new BuildFailure(k.At(""), $"cycle: {string.Join(" -> ", _directories.Reverse().Append(k.Directory).Select(Show))} includes itself",
                    "remove the entry that leads back to a directory already being built");
            _directories.Push(k.Directory);
            try
            {
                Enforce(k);
                Unsupported(k);
                foreach (var (entry, pointer) in k.Strings("resources").Concat(k.Strings("bases")))
                    AddResources(k, entry, pointer, accumulated);
                Generate(k, accumulated);
                foreach (var (entry, pointer) in k.Strings("components")) AddComponent(k, entry, pointer, accumulated);
                Transform(k, accumulated);
                return accumulated;
            }
            finally
            {
                _directories.Pop();
            }
        }

        /// <summary>kustomize's EnforceFields (api/types/kustomization.go): the kind and the apiVersion that goes with it.</summary>
        private static void Enforce(Kustomization k)
        {
            var kind = Manifest.Text(k.Body["kind"]) ?? "Kustomization";
            if (kind is not ("Kustomization" or "Component"))
                throw new BuildFailure(k.At("/kind"), $"{k.File} has kind {kind}; kustomize accepts Kustomization or Component", "set kind: Kustomization");
            var required = kind == "Component" ? $"{KustomizeGroup}/v1alpha1" : $"{KustomizeGroup}/v1beta1";
            if (Manifest.Text(k.Body["apiVersion"]) is { } apiVersion && apiVersion != required)
                throw new BuildFailure(k.At("/apiVersion"), $"{k.File} has apiVersion {apiVersion}; kustomize refuses a {kind} that is not {required}", $"set apiVersion: {required}");
        }

        private static string Show(string directory) => directory.Length == 0 ? "./" : directory;

        private void Unsupported(Kustomization k)
        {
            foreach (var field in new[] { "helmCharts", "helmChartInflationGenerator", "generators", "transformers", "validators", "vars" })
                if (k.Body[field] is JsonArray { Count: > 0 })
                    Problems.Add(new BuildProblem(k.At($"/{field}"), $"{k.File ?? Show(k.Directory)} uses {field}, which homeops does not run; objects it would change or add are not checked as Flux applies them", null, Fatal: false));
        }

        // ----- resources -----

        private void AddResources(Kustomization k, string entry, string pointer, List<Resource> accumulated)
        {
            if (RepoPaths.IsRemote(entry))
            {
                Problems.Add(new BuildProblem(k.At(pointer), $"{k.File ?? Show(k.Directory)} includes the remote resource {entry}; it is not fetched, so its objects are not checked", null, Fatal: false));
                return;
            }
            if (RepoPaths.Join(k.Directory, entry) is not { } path)
                throw new BuildFailure(k.At(pointer), $"'{entry}' climbs out of the repository", "list paths inside the repository");
            if (Docs.Paths.IsFile(path))
            {
                foreach (var resource in LoadResources(path, k.At(pointer))) Add(accumulated, resource, k.At(pointer));
                return;
            }
            if (!Docs.Paths.IsDirectory(path))
                throw new BuildFailure(k.At(pointer), $"'{entry}' does not exist", "create it, or correct the path (relative to the kustomization file's directory)", missingPath: true);
            var nested = builder.Load(path)
                         ?? throw new BuildFailure(k.At(pointer), $"'{entry}' is a directory without a kustomization file (kustomization.yaml, kustomization.yml or Kustomization)",
                             $"add {path}/kustomization.yaml listing its files, or list the files themselves", missingPath: true);
            if (IsComponent(nested))
                throw new BuildFailure(k.At(pointer), $"'{entry}' is a Component; kustomize accepts it only under components:", "move the entry to components:");
            foreach (var resource in Accumulate(nested, [])) Add(accumulated, resource, k.At(pointer));
        }

        private static bool IsComponent(Kustomization k) => Manifest.Text(k.Body["kind"]) == "Component";

        /// <summary>A resource file's objects; a List's items are objects of their own, as kustomize reads them.</summary>
        public List<Resource> LoadResources(string path, SourceLocation listedAt)
        {
            Files.Add(path);
            var parsed = Docs.Yaml(path) ?? throw new BuildFailure(listedAt, $"{path} cannot be read as text", "restore the file");
            if (parsed.Problems.FirstOrDefault(p => p.Severity == Severity.Error) is { } syntax)
                throw new BuildFailure(syntax.Location, $"{path} is not valid YAML: {syntax.Message}", "fix the YAML; kustomize stops at it");
            var result = new List<Resource>();
            foreach (var document in parsed.Documents)
            {
                if (document.Problem is { } problem) throw new BuildFailure(problem.Location, problem.Message, problem.Hint);
                if (document.Body is null) continue;
                if (document.Manifest is not { } manifest)
                    throw new BuildFailure(listedAt, $"document {document.Index + 1} of {path} is not a mapping, so not a Kubernetes object", "kustomize resources must be Kubernetes objects");
                if (manifest.Body["items"] is JsonArray items && (Manifest.Text(manifest.Body["kind"]) ?? "").EndsWith("List", StringComparison.Ordinal))
                {
                    foreach (var (item, i) in items.Select((item, i) => (item, i)))
                        if (item is JsonObject obj) result.Add(Checked(new Resource((JsonObject)obj.DeepClone(), manifest), manifest.At($"/items/{i}")));
                    continue;
                }
                result.Add(Checked(new Resource((JsonObject)manifest.Body.DeepClone(), manifest), manifest.At()));
            }
            return result;
        }

        /// <summary>kustomize's checks on every object it reads (kyaml GetValidatedMetadata, dropBadNodes): a kind, a name unless it is a List, no empty list item.</summary>
        private static Resource Checked(Resource resource, SourceLocation at)
        {
            var kind = Manifest.Text(resource.Body["kind"]);
            if (kind is null)
                throw new BuildFailure(at, $"a document of {resource.Origin.File} has no kind: kustomize reads every document of a resource file as a Kubernetes object",
                    "add apiVersion and kind, or move the data out of the resource list (a configMapGenerator reads plain files)");
            if (resource.Body["metadata"] is not JsonObject) resource.Body["metadata"] = new JsonObject();
            if (Manifest.Text(resource.Body["metadata"]!["name"]) is not { Length: > 0 } && !kind.EndsWith("List", StringComparison.Ordinal))
                throw new BuildFailure(at, $"{kind} in {resource.Origin.File} has no metadata.name; kustomize stops at it", "give the object a name");
            if (EmptyItem(resource.Body, "") is { } empty)
                throw new BuildFailure(resource.Origin.At(empty), $"{kind} {Manifest.Text(resource.Body["metadata"]!["name"])} has an empty list item at {empty}; kustomize refuses it",
                    "remove the stray '-' or give the item its value");
            return resource;
        }

        /// <summary>The pointer of the first null element of a list, if any.</summary>
        private static string? EmptyItem(JsonNode? node, string pointer)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                        if (EmptyItem(value, $"{pointer}/{Model.Yaml.YamlJson.Escape(key)}") is { } found) return found;
                    return null;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        if (a[i] is null) return $"{pointer}/{i}";
                        if (EmptyItem(a[i], $"{pointer}/{i}") is { } found) return found;
                    }
                    return null;
                default:
                    return null;
            }
        }

        private static void Add(List<Resource> accumulated, Resource resource, SourceLocation at)
        {
            var id = resource.Current;
            if (accumulated.FirstOrDefault(r => r.Current.SameAs(id)) is { } existing)
                throw new BuildFailure(at, $"{id} is defined twice in one build ({existing.Origin.At()} and {resource.Origin.At()}); kustomize refuses to add it again",
                    "keep one of the two, or give them different names or namespaces");
            accumulated.Add(resource);
        }

        // ----- components -----

        private void AddComponent(Kustomization k, string entry, string pointer, List<Resource> accumulated)
        {
            if (RepoPaths.IsRemote(entry))
            {
                Problems.Add(new BuildProblem(k.At(pointer), $"{k.File ?? Show(k.Directory)} includes the remote component {entry}; it is not fetched, so what it changes is not checked", null, Fatal: false));
                return;
            }
            var path = RepoPaths.Join(k.Directory, entry) ?? throw new BuildFailure(k.At(pointer), $"component '{entry}' climbs out of the repository", "list paths inside the repository");
            if (!Docs.Paths.IsDirectory(path))
                throw new BuildFailure(k.At(pointer), $"component '{entry}' {(Docs.Paths.IsFile(path) ? "is a file; a component is a directory" : "does not exist")}",
                    "point at a directory holding a kustomization.yaml of kind Component (paths are relative to the kustomization's directory)", missingPath: true);
            var component = builder.Load(path)
                            ?? throw new BuildFailure(k.At(pointer), $"component '{entry}' has no kustomization file", $"add {path}/kustomization.yaml with kind: Component");
            if (!IsComponent(component))
                throw new BuildFailure(k.At(pointer), $"'{entry}' is listed under components: but its kustomization file is of kind {Manifest.Text(component.Body["kind"]) ?? "Kustomization"}",
                    "set kind: Component (apiVersion kustomize.config.k8s.io/v1alpha1) in it, or list it under resources:");
            Accumulate(component, accumulated);
        }

        // ----- generators -----

        private void Generate(Kustomization k, List<Resource> accumulated)
        {
            var global = k.Body["generatorOptions"] as JsonObject;
            foreach (var (kind, field) in new[] { ("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator") })
                foreach (var (generator, i) in (k.Body[field] as JsonArray ?? []).Select((g, i) => (g as JsonObject, i)))
                {
                    if (generator is null) continue;
                    var pointer = $"/{field}/{i}";
                    var name = Manifest.Text(generator["name"]) ?? throw new BuildFailure(k.At(pointer), $"{field} entry {i + 1} has no name", "give the generator a name");
                    var generated = Generated(k, kind, generator, pointer, global);
                    var behavior = Manifest.Text(generator["behavior"]) ?? "create";
                    var ns = Manifest.Text(generator["namespace"]);
                    var existing = accumulated.FirstOrDefault(r => r.Current.Kind == kind && r.Current.Name == name && (ns is null || r.Current.Namespace == ns));
                    switch (behavior)
                    {
                        case "create":
                            Add(accumulated, generated, k.At(pointer));
                            break;
                        case "merge" or "replace" when existing is null:
                            throw new BuildFailure(k.At($"{pointer}/behavior"), $"{kind} {name} is to be {behavior}d, but no {kind} of that name is in the build", "use behavior: create, or include the base that defines it");
                        case "merge":
                            foreach (var part in new[] { "data", "binaryData" })
                                if (generated.Body[part] is JsonObject data)
                                {
                                    var target = existing!.Body[part] as JsonObject ?? [];
                                    foreach (var (key, value) in data) target[key] = value?.DeepClone();
                                    existing.Body[part] = target;
                                }
                            MergeMetadata(existing!.Body, generated.Body);
                            existing.NeedsHash |= generated.NeedsHash;
                            break;
                        case "replace":
                            existing!.Body = generated.Body;
                            existing.NeedsHash = generated.NeedsHash;
                            break;
                        default:
                            throw new BuildFailure(k.At($"{pointer}/behavior"), $"unknown generator behavior '{behavior}'", "use create, merge or replace");
                    }
                }
        }

        private static void MergeMetadata(JsonObject target, JsonObject source)
        {
            foreach (var map in new[] { "labels", "annotations" })
                if (source["metadata"].Field(map) is JsonObject add)
                {
                    var metadata = (JsonObject)target["metadata"]!;
                    var existing = metadata[map] as JsonObject ?? [];
                    foreach (var (key, value) in add) existing[key] = value?.DeepClone();
                    metadata[map] = existing;
                }
        }

        private Resource Generated(Kustomization k, string kind, JsonObject generator, string pointer, JsonObject? global)
        {
            var pairs = new List<(string Key, string Value, string Pointer)>();
            foreach (var (env, envPointer) in Strings(generator["envs"], $"{pointer}/envs").Concat(Manifest.Text(generator["env"]) is { } single ? [(single, $"{pointer}/env")] : []))
            {
                var text = ReadInput(k, env, envPointer);
                var lineNumber = 0;
                foreach (var raw in text.Split('\n'))
                {
                    var line = (lineNumber++ == 0 ? raw.TrimStart('\uFEFF') : raw).TrimEnd('\r').TrimStart();
                    if (line.Length == 0 || line[0] == '#') continue;
                    var equals = line.IndexOf('=', StringComparison.Ordinal);
                    var key = equals < 0 ? line : line[..equals];
                    if (!Regex.IsMatch(key, "^[-._a-zA-Z][-._a-zA-Z0-9]*$"))
                        throw new BuildFailure(k.At(envPointer), $"{env} line {lineNumber}: '{key}' is not a valid environment variable name", "use letters, digits, '_', '-' and '.'");
                    pairs.Add((key, equals < 0 ? "" : line[(equals + 1)..], envPointer));
                }
            }
            foreach (var (literal, literalPointer) in Strings(generator["literals"], $"{pointer}/literals"))
            {
                var equals = literal.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0) throw new BuildFailure(k.At(literalPointer), $"literal '{literal}' is not key=value", "write it as key=value");
                var value = literal[(equals + 1)..];
                if (value.Length >= 2 && value[0] == value[^1] && value[0] is '"' or '\'') value = value[1..^1];
                pairs.Add((literal[..equals], value, literalPointer));
            }
            foreach (var (file, filePointer) in Strings(generator["files"], $"{pointer}/files"))
            {
                var equals = file.IndexOf('=', StringComparison.Ordinal);
                var key = equals < 0 ? Path.GetFileName(file) : file[..equals];
                var source = equals < 0 ? file : file[(equals + 1)..];
                pairs.Add((key, ReadInput(k, source, filePointer), filePointer));
            }
            var data = new JsonObject();
            foreach (var (key, value, at) in pairs)
            {
                if (data.ContainsKey(key))
                    throw new BuildFailure(k.At(at), $"{kind} {Manifest.Text(generator["name"])} gets the key '{key}' twice", "give each entry its own key (key=path)");
                data[key] = kind == "Secret" ? Convert.ToBase64String(Encoding.UTF8.GetBytes(value)) : value;
            }
            var metadata = new JsonObject { ["name"] = Manifest.Text(generator["name"]) };
            if (Manifest.Text(generator["namespace"]) is { } ns) metadata["namespace"] = ns;
            var options = generator["options"] as JsonObject;
            foreach (var map in new[] { "labels", "annotations" })
            {
                var merged = new JsonObject();
                foreach (var (key, value) in options?[map] as JsonObject ?? []) merged[key] = value?.DeepClone();
                foreach (var (key, value) in global?[map] as JsonObject ?? [])
                    if (!merged.ContainsKey(key)) merged[key] = value?.DeepClone();
                if (merged.Count > 0) metadata[map] = merged;
            }
            var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = kind, ["metadata"] = metadata };
            if (kind == "Secret") body["type"] = Manifest.Text(generator["type"]) ?? "Opaque";
            if (data.Count > 0) body["data"] = data;
            if (Flag(options, "immutable") || Flag(global, "immutable")) body["immutable"] = true;
            var origin = k.Manifest is { } m
                ? new Manifest(m.File, m.Index, body, PositionsUnder(m, pointer))
                : new Manifest(k.File ?? k.Directory, 0, body, new Dictionary<string, YamlDotNet.Core.Mark>());
            return new Resource(body, origin) { NeedsHash = !Flag(options, "disableNameSuffixHash") && !Flag(global, "disableNameSuffixHash") };
        }

        /// <summary>Positions for a generated object: everything points at its generator entry.</summary>
        private static Dictionary<string, YamlDotNet.Core.Mark> PositionsUnder(Manifest kustomization, string pointer)
        {
            var at = kustomization.At(pointer);
            return new Dictionary<string, YamlDotNet.Core.Mark>(StringComparer.Ordinal) { [""] = new YamlDotNet.Core.Mark(0, at.Line, at.Column) };
        }

        private static bool Flag(JsonObject? options, string name) => options?[name] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

        private string ReadInput(Kustomization k, string path, string pointer)
        {
            var full = RepoPaths.Join(k.Directory, path) ?? throw new BuildFailure(k.At(pointer), $"'{path}' climbs out of the repository", "keep generator inputs inside the repository");
            if (!Docs.Paths.IsFile(full)) throw new BuildFailure(k.At(pointer), $"'{path}' does not exist", "create it or correct the path (relative to the kustomization file)", missingPath: true);
            Files.Add(full);
            return Docs.File(full)?.Text ?? throw new BuildFailure(k.At(pointer), $"'{path}' is not text homeops can read", "generator inputs must be UTF-8 text here");
        }

        private static IEnumerable<(string Value, string Pointer)> Strings(JsonNode? list, string pointer) =>
            (list as JsonArray ?? []).Select((item, i) => (Value: Manifest.Text(item), Pointer: $"{pointer}/{i}")).Where(e => e.Value is not null).Select(e => (e.Value!, e.Pointer));

        // ----- transformers -----

        private void Transform(Kustomization k, List<Resource> resources)
        {
            foreach (var (entry, pointer) in k.Strings("patchesStrategicMerge"))
                foreach (var (patch, at) in PatchDocuments(k, entry, pointer, inline: RepoPaths.Join(k.Directory, entry) is not { } file || !Docs.Paths.IsFile(file)))
                    PatchById(resources, patch, at);
            foreach (var (patch, i) in (k.Body["patches"] as JsonArray ?? []).Select((p, i) => (p as JsonObject, i)))
                if (patch is not null) ApplyPatch(k, resources, patch, $"/patches/{i}");
            if (Manifest.Text(k.Body["namespace"]) is { Length: > 0 } ns) SetNamespace(resources, ns);
            var prefix = Manifest.Text(k.Body["namePrefix"]) ?? "";
            var suffix = Manifest.Text(k.Body["nameSuffix"]) ?? "";
            if (prefix.Length + suffix.Length > 0) Rename(resources, prefix, suffix);
            foreach (var (label, i) in (k.Body["labels"] as JsonArray ?? []).Select((l, i) => (l as JsonObject, i)))
                if (label?["pairs"] is JsonObject pairs)
                {
                    var specs = new List<FieldSpec> { new("", "metadata/labels", true) };
                    if (Flag(label, "includeSelectors")) specs.AddRange(Builtins.Instance.SelectorLabels.Concat(Builtins.Instance.TemplateLabels));
                    else if (Flag(label, "includeTemplates")) specs.AddRange(Builtins.Instance.TemplateLabels);
                    SetMap(resources, specs, pairs);
                }
            if (k.Body["commonLabels"] is JsonObject common)
                SetMap(resources, [new FieldSpec("", "metadata/labels", true), .. Builtins.Instance.SelectorLabels, .. Builtins.Instance.TemplateLabels], common);
            if (k.Body["commonAnnotations"] is JsonObject annotations) SetMap(resources, Builtins.Instance.Annotations, annotations);
            foreach (var (patch, i) in (k.Body["patchesJson6902"] as JsonArray ?? []).Select((p, i) => (p as JsonObject, i)))
                if (patch is not null) ApplyPatch(k, resources, patch, $"/patchesJson6902/{i}", jsonOnly: true);
            foreach (var replica in (k.Body["replicas"] as JsonArray ?? []).OfType<JsonObject>())
                foreach (var r in resources.Where(r => Builtins.Instance.ReplicaKinds.Contains(r.Current.Kind) && r.PreviousIds.Append(r.Current).Any(id => id.Name == Manifest.Text(replica["name"]))))
                {
                    if (r.Body["spec"] is not JsonObject spec) r.Body["spec"] = spec = new JsonObject();
                    spec["replicas"] = replica["count"]?.DeepClone();
                }
            foreach (var image in (k.Body["images"] as JsonArray ?? []).OfType<JsonObject>()) SetImage(resources, image);
            foreach (var (entry, i) in (k.Body["replacements"] as JsonArray ?? []).Select((r, i) => (r as JsonObject, i)))
                if (entry is not null)
                    foreach (var (replacement, at) in ReplacementsOf(k, entry, $"/replacements/{i}"))
                    {
                        try { Replacements.Apply(resources, replacement); }
                        catch (Replacements.ReplacementException e)
                        {
                            throw new BuildFailure(at, $"the replacement does not apply: {e.Message}", "fix the replacement's source or targets (or set options.create: true on a target whose field may be missing)");
                        }
                    }
        }

        /// <summary>A replacements entry: inline (source, targets), or a path to a file with one replacement or a list of them.</summary>
        private IEnumerable<(JsonObject Replacement, SourceLocation At)> ReplacementsOf(Kustomization k, JsonObject entry, string pointer)
        {
            if (Manifest.Text(entry["path"]) is not { } path)
            {
                yield return (entry, k.At(pointer));
                yield break;
            }
            var full = RepoPaths.Join(k.Directory, path);
            if (full is null || !Docs.Paths.IsFile(full))
                throw new BuildFailure(k.At($"{pointer}/path"), $"replacement file '{path}' does not exist", "create it or correct the path (relative to the kustomization file)", missingPath: true);
            Files.Add(full);
            var parsed = Docs.Yaml(full) ?? throw new BuildFailure(k.At($"{pointer}/path"), $"{full} cannot be read as text", null);
            if (parsed.Problems.Concat(parsed.Documents.Select(d => d.Problem).OfType<Finding>()).FirstOrDefault(p => p.Severity == Severity.Error) is { } problem)
                throw new BuildFailure(problem.Location, $"replacement file {full} is not valid YAML: {problem.Message}", "fix the YAML");
            foreach (var document in parsed.Documents)
                switch (document.Body)
                {
                    case JsonObject single: yield return (single, document.Manifest!.At()); break;
                    case JsonArray list:
                        foreach (var (item, j) in list.Select((item, j) => (item, j)))
                            if (item is JsonObject replacement) yield return (replacement, SourceLocation.InFile(full) with { Line = 0 });
                        break;
                }
        }

        private IEnumerable<(JsonObject Patch, SourceLocation At)> PatchDocuments(Kustomization k, string entry, string pointer, bool inline)
        {
            if (!inline)
            {
                var path = RepoPaths.Join(k.Directory, entry);
                if (path is null || !Docs.Paths.IsFile(path))
                    throw new BuildFailure(k.At(pointer), $"patch '{entry}' does not exist", "create it or correct the path (relative to the kustomization file)", missingPath: true);
                foreach (var resource in LoadPatchFile(path, k.At(pointer))) yield return resource;
                yield break;
            }
            var documents = ParseInline(entry, k.At(pointer));
            if (!documents.OfType<JsonObject>().Any())
                throw new BuildFailure(k.At(pointer), entry.Contains('\n') || entry.Contains(':') ? "the inline patch is not a strategic-merge patch (a mapping)" : $"patch '{entry}' does not exist",
                    "create the patch file or correct the path (relative to the kustomization file)");
            foreach (var document in documents)
                if (document is JsonObject patch) yield return (patch, k.At(pointer));
        }

        private IEnumerable<(JsonObject Patch, SourceLocation At)> LoadPatchFile(string path, SourceLocation listedAt)
        {
            Files.Add(path);
            var parsed = Docs.Yaml(path) ?? throw new BuildFailure(listedAt, $"{path} cannot be read as text", "restore the file");
            if (parsed.Problems.FirstOrDefault(p => p.Severity == Severity.Error) is { } syntax)
                throw new BuildFailure(syntax.Location, $"patch {path} is not valid YAML: {syntax.Message}", "fix the YAML");
            foreach (var document in parsed.Documents)
            {
                if (document.Problem is { } problem) throw new BuildFailure(problem.Location, problem.Message, problem.Hint);
                if (document.Body is JsonObject obj) yield return (obj, document.Manifest!.At());
                else if (document.Body is JsonArray ops) yield return (new JsonObject { ["$ops"] = ops.DeepClone() }, document.Manifest?.At() ?? SourceLocation.InFile(path));
            }
        }

        private static List<JsonNode?> ParseInline(string text, SourceLocation at)
        {
            var parsed = ParsedFile.Parse(at.File, text);
            if (parsed.Problems.Concat(parsed.Documents.Select(d => d.Problem).OfType<Finding>()).FirstOrDefault() is { } problem)
                throw new BuildFailure(at, $"inline patch is not valid YAML: {problem.Message}", "fix the patch text");
            return parsed.Documents.Where(d => d.Body is not null).Select(d => d.Body).ToList();
        }

        /// <summary>A strategic-merge patch without target: the object with the patch's kind, name and namespace.</summary>
        private static void PatchById(List<Resource> resources, JsonObject patch, SourceLocation at)
        {
            var id = ResourceId.Of(patch);
            var matches = resources.Where(r => r.PreviousIds.Append(r.Current).Any(i => i.SameAs(id))).ToList();
            if (matches.Count != 1)
                throw new BuildFailure(at, matches.Count == 0
                        ? $"no object in the build matches the patch for {id}; kustomize stops here"
                        : $"several objects match the patch for {id}",
                    "match kind, name and namespace of the object exactly (a patch without namespace matches only objects without one), or give the patch a target");
            Merge(resources, matches[0], patch, at);
        }

        private static void Merge(List<Resource> resources, Resource target, JsonObject patch, SourceLocation at)
        {
            var name = target.Current.Name;
            var ns = Manifest.Text(target.Body["metadata"].Field("namespace"));
            var kind = target.Current.Kind;
            JsonObject? merged;
            try { merged = StrategicMergePatch.Apply(target.Body, patch); }
            catch (InvalidOperationException e) { throw new BuildFailure(at, $"the patch does not apply to {target.Current}: {e.Message}", "fix the patch"); }
            if (merged is null || merged.Count == 0)
            {
                resources.Remove(target);
                return;
            }
            merged["kind"] = kind;
            if (merged["metadata"] is not JsonObject metadata) merged["metadata"] = metadata = new JsonObject();
            metadata["name"] = name;
            if (ns is null) metadata.Remove("namespace");
            else metadata["namespace"] = ns;
            target.Body = merged;
        }

        private void ApplyPatch(Kustomization k, List<Resource> resources, JsonObject entry, string pointer, bool jsonOnly = false)
        {
            var inline = Manifest.Text(entry["patch"]);
            var path = Manifest.Text(entry["path"]);
            if (inline is null == path is null)
                throw new BuildFailure(k.At(pointer), inline is null ? "the patch has neither patch: nor path:" : "the patch has both patch: and path:", "give exactly one of them");
            List<(JsonNode? Body, SourceLocation At)> documents;
            if (inline is not null) documents = ParseInline(inline, k.At($"{pointer}/patch")).Select(d => (d, k.At($"{pointer}/patch"))).ToList();
            else
            {
                var full = RepoPaths.Join(k.Directory, path!);
                if (full is null || !Docs.Paths.IsFile(full))
                    throw new BuildFailure(k.At($"{pointer}/path"), $"patch '{path}' does not exist", "create it or correct the path (relative to the kustomization file)", missingPath: true);
                documents = LoadPatchFile(full, k.At($"{pointer}/path")).Select(p => ((JsonNode?)(p.Patch["$ops"] ?? p.Patch), p.At)).ToList();
            }
            var target = entry["target"] as JsonObject;
            if (jsonOnly || documents is [(JsonArray, _)])
            {
                if (documents is not [(JsonArray operations, _)])
                    throw new BuildFailure(k.At(pointer), "a JSON 6902 patch must be one list of operations", "write the patch as a list of {op, path, value}");
                if (target is null) throw new BuildFailure(k.At(pointer), "a JSON 6902 patch needs a target", "add target: with kind and name");
                foreach (var r in Select(resources, target, k.At($"{pointer}/target")))
                {
                    r.Remember();
                    try { Talos.JsonPatch.Apply(r.Body, (JsonArray)operations.DeepClone()); }
                    catch (FormatException e) { throw new BuildFailure(k.At(pointer), $"the JSON patch does not apply to {r.Current}: {e.Message}", "fix the path, or the target"); }
                }
                return;
            }
            var patches = documents.Select(d => d.Body as JsonObject ?? throw new BuildFailure(d.At, "a patch must be a mapping (strategic merge) or a list (JSON 6902)", null)).ToList();
            if (target is null)
            {
                foreach (var (patch, i) in patches.Select((p, i) => (p, i))) PatchById(resources, patch, documents[i].At);
                return;
            }
            if (patches.Count > 1) throw new BuildFailure(k.At(pointer), "a patch with a target must hold one strategic-merge document", "split it into one patch entry per document");
            foreach (var r in Select(resources, target, k.At($"{pointer}/target")).ToList()) Merge(resources, r, patches[0], documents[0].At);
        }

        /// <summary>kustomize's patch target selection: group, version, kind, name and namespace as anchored regular expressions (name and namespace against the original or the current id), then label and annotation selectors.</summary>
        private static IEnumerable<Resource> Select(List<Resource> resources, JsonObject selector, SourceLocation at)
        {
            Regex? Pattern(string field)
            {
                if (Manifest.Text(selector[field]) is not { Length: > 0 } text) return null;
                try { return new Regex($"^(?:{text})$", RegexOptions.None, TimeSpan.FromSeconds(1)); }
                catch (ArgumentException e) { throw new BuildFailure(at, $"target {field} '{text}' is not a valid regular expression: {e.Message}", null); }
            }
            var (group, version, kind, name, ns) = (Pattern("group"), Pattern("version"), Pattern("kind"), Pattern("name"), Pattern("namespace"));
            var labels = Manifest.Text(selector["labelSelector"]);
            var annotations = Manifest.Text(selector["annotationSelector"]);
            return resources.Where(r =>
            {
                var (original, current) = (r.Original, r.Current);
                if (ns is not null && !ns.IsMatch(original.EffectiveNamespace) && !ns.IsMatch(current.EffectiveNamespace)) return false;
                if (name is not null && !name.IsMatch(original.Name) && !name.IsMatch(current.Name)) return false;
                if (group is not null && !group.IsMatch(current.Group)) return false;
                if (version is not null && !version.IsMatch(current.Version)) return false;
                if (kind is not null && !kind.IsMatch(current.Kind)) return false;
                return (labels is null || SelectorMatches(labels, r.Body["metadata"].Field("labels"), at))
                       && (annotations is null || SelectorMatches(annotations, r.Body["metadata"].Field("annotations"), at));
            }).ToList();
        }

        /// <summary>A Kubernetes label selector in its string form ("a=b,c!=d,e in (f,g),!h,i").</summary>
        private static bool SelectorMatches(string selector, JsonNode? map, SourceLocation at)
        {
            var values = (map as JsonObject ?? []).Where(p => Manifest.Text(p.Value) is not null).ToDictionary(p => p.Key, p => Manifest.Text(p.Value)!);
            foreach (Match term in Regex.Matches(selector, @"\s*([^,(]+(?:\([^)]*\))?)\s*(?:,|$)"))
            {
                var text = term.Groups[1].Value.Trim();
                if (text.Length == 0) continue;
                var set = Regex.Match(text, @"^([^\s!=]+)\s+(in|notin)\s*\(([^)]*)\)$");
                if (set.Success)
                {
                    var options = set.Groups[3].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                    var has = values.TryGetValue(set.Groups[1].Value, out var v);
                    if (set.Groups[2].Value == "in" ? !has || !options.Contains(v) : has && options.Contains(v)) return false;
                    continue;
                }
                var comparison = Regex.Match(text, @"^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$");
                if (comparison.Success)
                {
                    var has = values.TryGetValue(comparison.Groups[1].Value, out var v);
                    var equal = has && v == comparison.Groups[3].Value;
                    if (comparison.Groups[2].Value == "!=" ? equal : !equal) return false;
                    continue;
                }
                if (text.StartsWith('!')) { if (values.ContainsKey(text[1..].Trim())) return false; continue; }
                if (Regex.IsMatch(text, @"^[^\s!=(),]+$")) { if (!values.ContainsKey(text)) return false; continue; }
                throw new BuildFailure(at, $"'{selector}' is not a label selector", "write it as key=value, key!=value, key in (a,b), key or !key, comma-separated");
            }
            return true;
        }

        private static void SetNamespace(List<Resource> resources, string ns)
        {
            foreach (var r in resources)
            {
                var apiVersion = Manifest.Text(r.Body["apiVersion"]) ?? "";
                var kind = r.Current.Kind;
                var metadata = (JsonObject)r.Body["metadata"]!;
                if (!Builtins.Instance.IsClusterScoped(apiVersion, kind))
                {
                    if (Manifest.Text(metadata["namespace"]) != ns) r.Remember();
                    metadata["namespace"] = ns;
                }
                if (apiVersion == "v1" && kind == "Namespace" && Manifest.Text(metadata["name"]) != ns)
                {
                    r.Remember();
                    metadata["name"] = ns;
                }
                if (kind is "RoleBinding" or "ClusterRoleBinding")
                    foreach (var subject in (r.Body["subjects"] as JsonArray ?? []).OfType<JsonObject>())
                        if (Manifest.Text(subject["name"]) == "default") subject["namespace"] = ns;
                if (kind == "APIService" && r.Current.Group == "apiregistration.k8s.io" && r.Body["spec"].Field("service") is JsonObject service) service["namespace"] = ns;
                if (kind == "CustomResourceDefinition" && r.Body["spec"].Field("conversion").Field("webhook").Field("clientConfig").Field("service") is JsonObject hook) hook["namespace"] = ns;
                foreach (var webhook in kind is "MutatingWebhookConfiguration" or "ValidatingWebhookConfiguration" ? (r.Body["webhooks"] as JsonArray ?? []).OfType<JsonObject>() : [])
                    if (webhook["clientConfig"].Field("service") is JsonObject target) target["namespace"] = ns;
            }
        }

        private static void Rename(List<Resource> resources, string prefix, string suffix)
        {
            foreach (var r in resources)
            {
                var (group, kind) = (r.Original.Group, r.Original.Kind);
                if (kind is "CustomResourceDefinition" or "Namespace" || kind == "APIService" && group == "apiregistration.k8s.io") continue;
                r.Remember();
                r.Body["metadata"]!["name"] = prefix + r.Current.Name + suffix;
            }
        }

        /// <summary>Sets every pair at the field specs that select a resource (creating the map where the spec says so).</summary>
        private static void SetMap(List<Resource> resources, IReadOnlyList<FieldSpec> specs, JsonObject pairs)
        {
            foreach (var r in resources)
                foreach (var spec in specs.Where(s => s.Selects(r.Current.Group, r.Current.Kind)).DistinctBy(s => s.Path))
                    foreach (var map in FieldPath.Maps(r.Body, spec.Path, spec.Create))
                        foreach (var (key, value) in pairs) map[key] = Manifest.Text(value) ?? value?.ToJsonString();
        }

        private static void SetImage(List<Resource> resources, JsonObject image)
        {
            if (Manifest.Text(image["name"]) is not { } name) return;
            foreach (var r in resources)
                foreach (var path in Builtins.Instance.Images)
                    foreach (var (holder, field) in FieldPath.Scalars(r.Body, path))
                        if (Manifest.Text(holder[field]) is { } current && ImageName(current) == name)
                            holder[field] = NewImage(current, image);
        }

        /// <summary>An image reference without its tag or digest.</summary>
        private static string ImageName(string image)
        {
            var at = image.IndexOf('@', StringComparison.Ordinal);
            if (at >= 0) image = image[..at];
            var slash = image.LastIndexOf('/');
            var colon = image.LastIndexOf(':');
            return colon > slash ? image[..colon] : image;
        }

        private static string NewImage(string current, JsonObject image)
        {
            var name = Manifest.Text(image["newName"]) ?? ImageName(current);
            var rest = current[ImageName(current).Length..];
            if (Manifest.Text(image["digest"]) is { } digest) return $"{name}@{digest}";
            if (Manifest.Text(image["newTag"]) is { } tag) return $"{name}:{tag}";
            return name + rest;
        }

        // ----- the end of the outermost build -----

        public static void AddHashes(List<Resource> resources)
        {
            foreach (var r in resources.Where(r => r.NeedsHash))
            {
                r.Remember();
                r.Body["metadata"]!["name"] = $"{r.Current.Name}-{NameHash.Of(r.Body)}";
            }
        }

        /// <summary>Follows renames (prefix, suffix, hash, namespace) into the fields that reference the renamed objects, as kustomize's nameReference transformer does.</summary>
        public static void FixNameReferences(List<Resource> resources)
        {
            foreach (var reference in Builtins.Instance.NameReferences)
                foreach (var target in resources.Where(r => r.Current.Kind == reference.TargetKind && r.PreviousIds.Any(p => p.Name != r.Current.Name)))
                {
                    var oldNames = target.PreviousIds.Select(p => p.Name).Where(n => n != target.Current.Name).ToHashSet(StringComparer.Ordinal);
                    foreach (var referrer in resources)
                    {
                        if (!SameNamespace(referrer, target)) continue;
                        foreach (var spec in reference.Referrers.Where(s => s.Selects(referrer.Current.Group, referrer.Current.Kind)))
                        {
                            if (spec.Path == "subjects")
                            {
                                foreach (var subject in (referrer.Body["subjects"] as JsonArray ?? []).OfType<JsonObject>())
                                    if (Manifest.Text(subject["kind"]) == "ServiceAccount" && Manifest.Text(subject["name"]) is { } n && oldNames.Contains(n)
                                        && (Manifest.Text(subject["namespace"]) ?? "") is var sns && (sns == target.Original.Namespace || sns == target.Current.Namespace))
                                    {
                                        subject["name"] = target.Current.Name;
                                        if (target.Current.Namespace.Length > 0) subject["namespace"] = target.Current.Namespace;
                                    }
                                continue;
                            }
                            foreach (var (holder, field) in FieldPath.Scalars(referrer.Body, spec.Path))
                            {
                                switch (holder[field])
                                {
                                    case JsonValue v when Manifest.Text(v) is { } name && oldNames.Contains(name):
                                        holder[field] = target.Current.Name;
                                        break;
                                    case JsonArray names:
                                        for (var i = 0; i < names.Count; i++)
                                            if (Manifest.Text(names[i]) is { } item && oldNames.Contains(item)) names[i] = target.Current.Name;
                                        break;
                                }
                            }
                        }
                    }
                }
        }

        private static bool SameNamespace(Resource referrer, Resource target) =>
            Builtins.Instance.IsClusterScoped(Manifest.Text(target.Body["apiVersion"]) ?? "", target.Current.Kind)
            || Builtins.Instance.IsClusterScoped(Manifest.Text(referrer.Body["apiVersion"]) ?? "", referrer.Current.Kind)
            || referrer.Current.EffectiveNamespace == target.Current.EffectiveNamespace;
    }
}
