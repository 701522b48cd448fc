using System.Text.Json.Nodes;
using HomeOps.Compile.Kustomize;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using YamlDotNet.Core;

namespace HomeOps.Compile.Flux;

/// <summary>Builds the <see cref="FluxModel"/> of a repository (see there for what it does).</summary>
internal sealed class FluxRender(RepoModel repo)
{
    private readonly KustomizeBuilder _builder = new(repo.Documents);
    private readonly Dictionary<string, KustomizeResult> _builds = new(StringComparer.Ordinal);
    private readonly HashSet<ObjectKey> _thisRepository = [];
    private readonly HashSet<string> _thisRepositoryUrls = new(StringComparer.Ordinal);
    private readonly List<(string Cluster, Manifest Object)> _synthetic = [];
    private readonly HashSet<string> _rootFiles = new(StringComparer.Ordinal);
    private readonly List<Finding> _sopsProblems = [];
    private IReadOnlyList<SopsCreationRule> _sopsRules = [];

    private RepoModel Repo => repo;

    private const string FallbackCluster = "the Flux Kustomizations nothing else applies";

    public FluxModel Run()
    {
        _sopsRules = Sops.CreationRules(repo.Documents, repo.Files.Select(f => f.Path), _sopsProblems);
        var outside = OutsideGit.Find(repo.Documents, repo.Files).ToList();
        var roots = Roots(outside);
        var clusters = new List<FluxCluster>();
        var findings = new List<Finding>();
        foreach (var group in roots.GroupBy(r => r.Cluster))
        {
            var synthetic = _synthetic.Where(s => s.Cluster == group.Key).Select(s => s.Object).ToList();
            // Variables come from objects the tree applies; the first walk finds them, the second uses them.
            var index = new SourceIndex(outside, []);
            Walk walk = null!;
            for (var pass = 0; pass < 3; pass++)
            {
                walk = new Walk(this, index, synthetic);
                walk.Run(group.Select(r => r.Root).ToList());
                var next = new SourceIndex(outside, walk.Nodes.SelectMany(n => n.Objects).Concat(synthetic));
                if (next.SameAs(index)) break;
                index = next;
            }
            findings.AddRange(walk.Findings);
            clusters.Add(new FluxCluster(group.Key, walk.Nodes, Applied(walk, synthetic)));
        }
        var files = new HashSet<string>(_rootFiles, StringComparer.Ordinal);
        foreach (var node in clusters.SelectMany(c => c.Kustomizations))
            if (node.Build is { } build) files.UnionWith(build.Files);
        var allSynthetic = _synthetic.Select(s => s.Object).ToList();
        var model = new FluxModel
        {
            Clusters = clusters,
            Kustomizations = clusters.SelectMany(c => c.Kustomizations).ToList(),
            Applied = clusters.SelectMany(c => c.Applied).ToList(),
            Outside = outside,
            Findings = findings.Concat(_sopsProblems).Distinct().ToList(),
            FilesReached = files,
            ThisRepository = _thisRepository,
            BuildsThisRepository = k => IsThisRepository(k, allSynthetic.Concat(clusters.SelectMany(c => c.Applied))),
            SopsRules = _sopsRules,
        };
        model.Index();
        return model;
    }

    /// <summary>The builds' objects, after the root objects made outside Git (unless a build applies the same object itself).</summary>
    private static List<Manifest> Applied(Walk walk, List<Manifest> synthetic)
    {
        var built = walk.Nodes.SelectMany(n => n.Objects).ToList();
        var keys = built.Select(FluxModel.KeyOf).ToHashSet();
        return synthetic.Where(s => !keys.Contains(FluxModel.KeyOf(s))).Concat(built).ToList();
    }

    // ----- roots -----

    /// <summary>
    /// The roots, each with the cluster it starts: every FluxInstance (or flux-instance release) and
    /// every gotk-sync.yaml is one cluster (a repository may hold several); Kustomizations found
    /// without either make up one.
    /// </summary>
    private List<(string Cluster, FluxKustomization Root)> Roots(List<OutsideObject> outside)
    {
        var roots = new List<(string Cluster, FluxKustomization Root)>();
        foreach (var instance in repo.OfKind("fluxcd.controlplane.io", "FluxInstance"))
            if (instance.Body["spec"].Field("sync") is JsonObject sync)
                roots.AddRange(FromSync(instance, "/spec/sync", sync, instance.Namespace ?? FluxModel.FluxNamespace).Select(r => ($"{instance.File} (FluxInstance {instance.Name})", r)));
        foreach (var release in repo.OfKind(FluxModel.HelmGroup, "HelmRelease").Where(IsFluxInstanceChart))
            if (release.Body["spec"].Field("values").Field("instance").Field("sync") is JsonObject sync && Manifest.Text(sync["url"]) is not null)
            {
                var ns = Manifest.Text(release.Body["spec"].Field("targetNamespace")) ?? release.Namespace ?? FluxModel.FluxNamespace;
                roots.AddRange(FromSync(release, "/spec/values/instance/sync", sync, ns).Select(r => ($"{release.File} (HelmRelease {release.Name})", r)));
            }
        // flux bootstrap writes the root GitRepository and Kustomization to <path>/flux-system/gotk-sync.yaml
        // (gotk-sync.yaml is not marked reached: the root path's build must include it, or Flux never applies its own sync objects again)
        foreach (var k in repo.OfKind(FluxModel.KustomizeToolkitGroup, "Kustomization").Where(k => Path.GetFileName(k.File) == "gotk-sync.yaml"))
        {
            foreach (var source in repo.Manifests.Where(m => m.File == k.File && m.Group == FluxModel.SourceGroup))
            {
                _thisRepository.Add(FluxModel.KeyOf(source));
                if (Manifest.Text(source.Body["spec"].Field("url")) is { } url) _thisRepositoryUrls.Add(NormalUrl(url));
                // flux bootstrap creates the source's credentials in the cluster, never in Git
                _synthetic.Add((k.File, source)); // flux bootstrap created it, whether or not the tree applies its file again
                if (Manifest.Text(source.Body["spec"].Field("secretRef").Field("name")) is { } secret)
                    outside.Add(new OutsideObject("Secret", FluxModel.NamespaceOf(source), secret, null, source.At("/spec/secretRef/name"), $"flux bootstrap (the credentials of GitRepository {source.Name})"));
            }
            _synthetic.Add((k.File, k));
            roots.Add((k.File, new FluxKustomization { Object = k, Key = FluxModel.KeyOf(k), Synthetic = false }));
        }
        if (roots.Count > 0) return roots;
        // No bootstrap to start from: every Flux Kustomization that no other one's build reaches.
        var all = repo.OfKind(FluxModel.KustomizeToolkitGroup, "Kustomization").ToList();
        var reached = new HashSet<string>(StringComparer.Ordinal);
        foreach (var k in all)
            if (FluxModel.PathOf(k) is { } path && repo.Documents.Paths.IsDirectory(path) && IsThisRepository(k))
                if (Generate(k, path) is { } generated)
                    reached.UnionWith(Build(path, generated).Files.Where(f => f != k.File));
        var fallback = all.Where(k => !reached.Contains(k.File)).ToList();
        // applied by hand, they exist in the cluster
        _synthetic.AddRange(fallback.Select(k => (FallbackCluster, k)));
        // someone applies these by hand: their files are the entry points, not orphans
        _rootFiles.UnionWith(fallback.Select(k => k.File));
        return fallback.Select(k => (FallbackCluster, new FluxKustomization { Object = k, Key = FluxModel.KeyOf(k) })).ToList();
    }

    private static bool IsFluxInstanceChart(Manifest release)
    {
        var spec = release.Body["spec"];
        return Manifest.Text(spec.Field("chart").Field("spec").Field("chart")) == "flux-instance"
               || Manifest.Text(spec.Field("chartRef").Field("name"))?.Contains("flux-instance", StringComparison.Ordinal) == true
               || release.Name == "flux-instance";
    }

    /// <summary>The source and Kustomization a FluxInstance's spec.sync makes (flux-operator internal/builder/templates.go syncTmpl): named after the namespace unless sync.name is set.</summary>
    private IEnumerable<FluxKustomization> FromSync(Manifest owner, string pointer, JsonObject sync, string ns)
    {
        var name = Manifest.Text(sync["name"]) ?? ns;
        var kind = Manifest.Text(sync["kind"]) ?? "GitRepository";
        var at = owner.At(pointer);
        var positions = new Dictionary<string, Mark>(StringComparer.Ordinal) { [""] = new Mark(0, at.Line, at.Column) };
        var sourceSpec = new JsonObject { ["interval"] = Manifest.Text(sync["interval"]) ?? "1m", ["url"] = Manifest.Text(sync["url"]) };
        if (kind == "GitRepository") sourceSpec["ref"] = new JsonObject { ["name"] = Manifest.Text(sync["ref"]) };
        else if (kind == "OCIRepository") sourceSpec["ref"] = new JsonObject { ["tag"] = Manifest.Text(sync["ref"]) };
        if (Manifest.Text(sync["pullSecret"]) is { } pullSecret) sourceSpec["secretRef"] = new JsonObject { ["name"] = pullSecret };
        var source = new JsonObject
        {
            ["apiVersion"] = $"{FluxModel.SourceGroup}/v1",
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = sourceSpec,
        };
        var kustomization = new JsonObject
        {
            ["apiVersion"] = $"{FluxModel.KustomizeToolkitGroup}/v1",
            ["kind"] = "Kustomization",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = new JsonObject
            {
                ["interval"] = "10m0s",
                ["path"] = Manifest.Text(sync["path"]) ?? "",
                ["prune"] = true,
                ["sourceRef"] = new JsonObject { ["kind"] = kind, ["name"] = name },
            },
        };
        var sourceManifest = new Manifest(owner.File, owner.Index, source, positions);
        var kustomizationManifest = new Manifest(owner.File, owner.Index, kustomization, positions);
        var cluster = $"{owner.File} ({owner.Kind} {owner.Name})";
        _synthetic.Add((cluster, sourceManifest));
        _synthetic.Add((cluster, kustomizationManifest));
        if (kind == "GitRepository")
        {
            _thisRepository.Add(FluxModel.KeyOf(sourceManifest));
            if (Manifest.Text(sync["url"]) is { } url) _thisRepositoryUrls.Add(NormalUrl(url));
        }
        yield return new FluxKustomization { Object = kustomizationManifest, Key = FluxModel.KeyOf(kustomizationManifest), Synthetic = true };
    }

    private static string NormalUrl(string url)
    {
        var s = url.Trim().TrimEnd('/').ToLowerInvariant();
        s = s.EndsWith(".git", StringComparison.Ordinal) ? s[..^4] : s;
        // ssh://git@github.com/a/b, git@github.com:a/b and https://github.com/a/b are one repository
        s = s.Replace("ssh://", "", StringComparison.Ordinal).Replace("https://", "", StringComparison.Ordinal).Replace("http://", "", StringComparison.Ordinal);
        s = s.StartsWith("git@", StringComparison.Ordinal) ? s[4..].Replace(':', '/') : s;
        return s;
    }

    /// <summary>
    /// Whether a Flux Kustomization builds this repository: its source is a GitRepository that is a root
    /// source, or has a root source's URL (or bootstrap-config.yaml's git.url). With no root source
    /// known, any GitRepository counts; OCIRepository and Bucket artifacts are built elsewhere.
    /// </summary>
    private bool IsThisRepository(Manifest kustomization, IEnumerable<Manifest>? sources = null)
    {
        var reference = kustomization.Body["spec"].Field("sourceRef");
        if (Manifest.Text(reference.Field("kind")) is { } kind && kind != "GitRepository") return false;
        var key = new ObjectKey("GitRepository", Manifest.Text(reference.Field("namespace")) ?? FluxModel.NamespaceOf(kustomization), Manifest.Text(reference.Field("name")) ?? "");
        if (_thisRepository.Contains(key)) return true;
        var configured = Manifest.Text(repo.Bootstrap.Field("git").Field("url"));
        var urls = configured is null ? _thisRepositoryUrls : [.. _thisRepositoryUrls, NormalUrl(configured)];
        var repository = (sources ?? repo.OfKind(FluxModel.SourceGroup, "GitRepository")).FirstOrDefault(g => g.Kind == "GitRepository" && FluxModel.KeyOf(g) == key);
        if (repository is null) return urls.Count == 0 || _thisRepository.Count == 0;
        return urls.Count == 0 || urls.Contains(NormalUrl(Manifest.Text(repository.Body["spec"].Field("url")) ?? ""));
    }

    // ----- one Kustomization's build -----

    private KustomizeResult Build(string directory, Kustomization generated)
    {
        var key = directory + "\n" + generated.Body.ToJsonString();
        lock (_builds)
            if (_builds.TryGetValue(key, out var cached)) return cached;
        var result = _builder.Build(generated);
        lock (_builds) _builds[key] = result;
        return result;
    }

    private static readonly string[] FluxListFields = ["patches", "components", "patchesStrategicMerge", "patchesJson6902", "images"];

    /// <summary>
    /// The kustomization kustomize-controller builds (fluxcd/pkg kustomize/kustomize_generator.go at
    /// kustomize/v1.18.0, WriteFile and generateKustomization): the directory's kustomization file, or
    /// one listing every YAML file below it and every subdirectory that has its own; then
    /// spec.targetNamespace, namePrefix, nameSuffix, patches, components, patchesStrategicMerge,
    /// patchesJson6902 and images of the Flux Kustomization. Null when the Flux fields themselves are wrong.
    /// </summary>
    private Kustomization? Generate(Manifest flux, string directory, List<Finding>? findings = null)
    {
        var spec = flux.Body["spec"] as JsonObject ?? [];
        var file = _builder.Load(directory);
        Kustomization k;
        if (file is not null) k = file;
        else
        {
            var resources = new JsonArray();
            foreach (var entry in Scan(directory)) resources.Add(entry);
            var body = new JsonObject { ["apiVersion"] = $"{KustomizeBuilder.KustomizeGroup}/v1beta1", ["kind"] = "Kustomization" };
            if (resources.Count == 0) body["namespace"] = "_placeholder";
            else body["resources"] = resources;
            k = new Kustomization(directory, body, _ => flux.At("/spec/path"));
        }
        var counts = FluxListFields.ToDictionary(f => f, f => (k.Body[f] as JsonArray)?.Count ?? 0);
        var merged = (JsonObject)k.Body.DeepClone();
        if (Manifest.Text(spec["targetNamespace"]) is { } ns) merged["namespace"] = ns;
        if (Manifest.Text(spec["namePrefix"]) is { } prefix) merged["namePrefix"] = prefix;
        if (Manifest.Text(spec["nameSuffix"]) is { } suffix) merged["nameSuffix"] = suffix;
        foreach (var (patch, _) in Items(spec["patches"])) Append(merged, "patches", patch.DeepClone());
        foreach (var (component, i) in Items(spec["components"]))
        {
            var path = Manifest.Text(component) ?? "";
            if (RepoPaths.IsRemote(path) || path.StartsWith('/'))
            {
                findings?.Add(Finding.Error("flux/build-failed", flux.At($"/spec/components/{i}"), $"Kustomization {flux.Name}: component path '{path}' must be local and relative; Flux refuses it",
                    "write the component's path relative to spec.path, e.g. ../../components/x"));
                return null;
            }
            Append(merged, "components", path);
        }
        foreach (var (patch, _) in Items(spec["patchesStrategicMerge"])) Append(merged, "patchesStrategicMerge", patch.ToJsonString());
        foreach (var (patch, _) in Items(spec["patchesJson6902"]))
            Append(merged, "patchesJson6902", new JsonObject { ["patch"] = patch.Field("patch")?.ToJsonString(), ["target"] = patch.Field("target")?.DeepClone() });
        foreach (var (image, _) in Items(spec["images"]))
        {
            var images = merged["images"] as JsonArray ?? [];
            var existing = images.Select((e, idx) => (e, idx)).FirstOrDefault(e => Manifest.Text(e.e.Field("name")) == Manifest.Text(image.Field("name")));
            if (existing.e is not null) images[existing.idx] = image.DeepClone();
            else images.Add(image.DeepClone());
            merged["images"] = images;
        }
        var locate = k.Locate;
        return k with
        {
            Body = merged,
            Locate = pointer =>
            {
                foreach (var field in FluxListFields)
                {
                    var prefix = $"/{field}/";
                    if (!pointer.StartsWith(prefix, StringComparison.Ordinal)) continue;
                    var rest = pointer[prefix.Length..];
                    var slash = rest.IndexOf('/');
                    if (int.TryParse(slash < 0 ? rest : rest[..slash], out var index) && index >= counts[field])
                        return flux.At($"/spec/{field}/{index - counts[field]}{(slash < 0 ? "" : rest[slash..])}");
                }
                return pointer is "/namespace" or "/namePrefix" or "/nameSuffix" && file is not null && spec.ContainsKey(pointer[1..] == "namespace" ? "targetNamespace" : pointer[1..])
                    ? flux.At(pointer == "/namespace" ? "/spec/targetNamespace" : $"/spec{pointer}")
                    : locate(pointer);
            },
        };
    }

    private static IEnumerable<(JsonNode Item, int Index)> Items(JsonNode? list) =>
        (list as JsonArray ?? []).Select((item, i) => (item, i)).Where(e => e.item is not null).Select(e => (e.item!, e.i));

    private static void Append(JsonObject body, string field, JsonNode? value)
    {
        if (body[field] is not JsonArray list) body[field] = list = [];
        list.Add(value);
    }

    /// <summary>scanManifests: YAML files below the directory, and subdirectories with their own kustomization file (not descended into), in walk order, as "./relative" paths.</summary>
    private IEnumerable<string> Scan(string directory) => ScanFrom(directory).Select(p => "./" + (directory.Length == 0 ? p : p[(directory.Length + 1)..]));

    private IEnumerable<string> ScanFrom(string directory)
    {
        var paths = repo.Documents.Paths;
        foreach (var entry in paths.FilesIn(directory).Concat(paths.DirectoriesIn(directory)).Order(StringComparer.Ordinal))
        {
            if (!paths.IsDirectory(entry))
            {
                if (RepoPaths.IsYaml(entry)) yield return entry;
            }
            else if (_builder.KustomizationFileIn(entry) is not null) yield return entry;
            else
                foreach (var nested in ScanFrom(entry)) yield return nested;
        }
    }

    // ----- walking the tree -----

    /// <summary>One walk from the roots with one set of variable sources.</summary>
    private sealed class Walk(FluxRender render, SourceIndex sources, List<Manifest> synthetic)
    {
        private readonly Dictionary<ObjectKey, FluxKustomization> _seen = [];
        private readonly HashSet<(string, int, int, string)> _reported = [];

        public List<FluxKustomization> Nodes { get; } = [];

        public List<Finding> Findings { get; } = [];

        public void Run(List<FluxKustomization> roots)
        {
            var queue = new Queue<FluxKustomization>(roots);
            while (queue.Count > 0)
            {
                var node = queue.Dequeue();
                if (!_seen.TryAdd(node.Key, node)) continue;
                Nodes.Add(node);
                Process(node);
                foreach (var child in node.Objects.Where(o => o.Group == FluxModel.KustomizeToolkitGroup && o.Kind == "Kustomization"))
                    queue.Enqueue(new FluxKustomization { Object = child, Key = FluxModel.KeyOf(child), Parent = node });
            }
        }

        private void Report(Finding finding)
        {
            if (_reported.Add((finding.Location.File, finding.Location.Line, finding.Location.Column, finding.Rule + finding.Message))) Findings.Add(finding);
        }

        private void Process(FluxKustomization node)
        {
            var k = node.Object;
            node.FromThisRepository = render.IsThisRepository(k, synthetic.Concat(Nodes.SelectMany(n => n.Objects)));
            if (!node.FromThisRepository) return;
            if (FluxModel.PathOf(k) is not { } directory || !render.Repo.Documents.Paths.IsDirectory(directory)) return; // flux/path-missing says why
            node.Directory = directory;
            var generatorFindings = new List<Finding>();
            var generated = render.Generate(k, directory, generatorFindings);
            foreach (var f in generatorFindings) Report(f);
            if (generated is null) return;
            node.Generated = generated;
            var build = render.Build(directory, generated);
            node.Build = build;
            // a missing path in a kustomization file is flux/kustomize-resource-missing's finding, for every such file
            foreach (var problem in build.Problems.Where(p => !(p.MissingPath && KustomizeBuilder.KustomizationFileNames.Contains(Path.GetFileName(p.At.File)))))
                Report(problem.Fatal
                    ? Finding.Error("flux/build-failed", problem.At, $"Kustomization {FluxName(node)} does not build: {problem.Message}; Flux applies nothing of it", problem.Hint)
                    : new Finding("flux/not-checked", Severity.Info, problem.At, problem.Message, problem.Hint));
            if (build.Failed) return;
            var decrypts = k.Body["spec"].Field("decryption") is JsonObject;
            var objects = build.Objects.Select(o => decrypts && Sops.IsEncrypted(o.Body) ? Decrypted(o) : o).ToList();
            node.Objects = Substitute(node, objects);
        }

        private static string FluxName(FluxKustomization node) => $"{node.Key.Namespace}/{node.Key.Name}";

        /// <summary>What Flux's decryptor hands on: the object without its sops metadata; values stay ENC[...] (unknown here).</summary>
        private static Manifest Decrypted(Manifest encrypted)
        {
            var body = (JsonObject)encrypted.Body.DeepClone();
            body.Remove("sops");
            return encrypted.Rendered(body);
        }

        private List<Manifest> Substitute(FluxKustomization node, List<Manifest> objects)
        {
            var k = node.Object;
            if (k.Body["spec"].Field("postBuild") is not JsonObject postBuild) return objects;
            var variables = new Dictionary<string, (Variable Value, string From)>(StringComparer.Ordinal);
            var open = new List<string>();
            var ns = FluxModel.NamespaceOf(k);
            var invalid = false;
            foreach (var (reference, i) in Items(postBuild["substituteFrom"]))
            {
                var kind = Manifest.Text(reference.Field("kind")) ?? "";
                var name = Manifest.Text(reference.Field("name")) ?? "";
                var optional = reference.Field("optional") is JsonValue v && v.TryGetValue<bool>(out var b) && b;
                var source = sources.Find(kind, ns, name);
                if (source is null)
                {
                    // A missing source fails the Kustomization unless optional (flux/secret-ref-missing reports a Secret);
                    // an optional one counts as present and empty.
                    if (!optional) open.Add($"{kind} {name}");
                    continue;
                }
                if (source.Values is null)
                {
                    open.Add($"{kind} {name} ({source.How})");
                    continue;
                }
                foreach (var (key, value) in source.Values)
                {
                    if (!Envsubst.IsValidName(key))
                    {
                        invalid = true;
                        Report(Finding.Error("flux/substitution-failed", k.At($"/spec/postBuild/substituteFrom/{i}"),
                            $"Kustomization {FluxName(node)} substitutes from {kind} {ns}/{name}, whose key '{key}' is not a valid variable name; Flux fails the whole Kustomization",
                            "variable names are letters, digits and '_' and do not start with a digit: rename the key, or substitute from another object"));
                    }
                    variables[key] = (value, $"{kind} {name}");
                }
            }
            foreach (var (key, value) in postBuild["substitute"] as JsonObject ?? [])
            {
                if (!Envsubst.IsValidName(key))
                {
                    invalid = true;
                    Report(Finding.Error("flux/substitution-failed", k.At($"/spec/postBuild/substitute/{Model.Yaml.YamlJson.Escape(key)}"),
                        $"Kustomization {FluxName(node)} defines the variable '{key}', which is not a valid name; Flux fails the whole Kustomization",
                        "variable names are letters, digits and '_' and do not start with a digit"));
                }
                variables[key] = (Variable.Of(Manifest.Text(value) ?? value?.ToJsonString() ?? ""), "substitute");
            }
            // Values are substituted once: a variable whose value holds ${...} puts that text into the object as it is.
            foreach (var (name, (value, from)) in variables.Where(v => v.Value.Value.State == VariableState.Known && v.Value.Value.Value.Contains("${", StringComparison.Ordinal)))
            {
                var refersTo = System.Text.RegularExpressions.Regex.Matches(value.Value, @"\$\{([A-Za-z0-9_]+)").Select(m => m.Groups[1].Value).Where(variables.ContainsKey).ToList();
                var loop = refersTo.Any(other => other == name || System.Text.RegularExpressions.Regex.IsMatch(variables[other].Value.Value, @"\$\{" + name + @"\b"));
                var at = from == "substitute" ? k.At($"/spec/postBuild/substitute/{Model.Yaml.YamlJson.Escape(name)}") : k.At("/spec/postBuild/substituteFrom");
                Report(Finding.Warning("flux/substitution-failed", at,
                    $"Kustomization {FluxName(node)}: the value of {name} ('{value.Value}', from {from}) holds a ${{...}}{(loop ? ", and the variables refer to each other (a loop)" : "")}; Flux substitutes once, so objects get that text as it is",
                    "give the variable its final value, or use the other variable where the value is needed"));
            }
            // envsubst runs only when there is at least one variable (kustomize_varsub.go); an open source has some.
            if (variables.Count == 0 && open.Count == 0) return objects;
            node.Substitutes = true;
            if (invalid) return objects;
            Variable Lookup(string name) =>
                variables.TryGetValue(name, out var found) ? found.Value with { Value = found.Value.Value.Replace("\n", "", StringComparison.Ordinal) }
                : open.Count > 0 ? Variable.Unknown : Variable.Undefined;
            var result = new List<Manifest>(objects.Count);
            foreach (var o in objects)
            {
                if (IsOptedOut(o.Body))
                {
                    result.Add(o);
                    continue;
                }
                var substituted = PostBuild.Apply(o, Lookup);
                foreach (var problem in substituted.Problems)
                    Report(problem.Undefined is { } variable
                        ? Finding.Warning("flux/variable-undefined", o.At(problem.Pointer),
                            $"${{{variable}}} in {o.Kind} {o.Name} is defined by no substitution source of Kustomization {FluxName(node)} ({Describe(postBuild, variables.Count)}); Flux writes an empty string there",
                            variable.All(char.IsAsciiDigit) ? "write $${" + variable + "} for a literal ${" + variable + "} (Flux turns $$ into $), or mark the object kustomize.toolkit.fluxcd.io/substitute: disabled"
                                : $"add {variable} to spec.postBuild.substitute or to a substituteFrom source, give a default (${{{variable}:=value}}), or escape it as $${{{variable}}}")
                        : Finding.Error("flux/substitution-failed", o.At(problem.Pointer), $"{o.Kind} {o.Name}: {problem.Message}; Flux fails the whole Kustomization {FluxName(node)}",
                            "fix the ${...} expression, or escape a literal ${ as $${"));
                result.Add(substituted.Body is { } body ? o.Rendered(body) : o);
            }
            return result;
        }

        private static string Describe(JsonObject postBuild, int count)
        {
            var names = Items(postBuild["substituteFrom"]).Select(r => $"{Manifest.Text(r.Item.Field("kind"))} {Manifest.Text(r.Item.Field("name"))}").ToList();
            return names.Count == 0 ? $"{count} inline variables" : $"substitute and {string.Join(", ", names)}";
        }

        /// <summary>The opt-out, as a label or an annotation of the rendered object (kustomize_varsub.go).</summary>
        private static bool IsOptedOut(JsonObject body) =>
            Manifest.Text(body["metadata"].Field("labels").Field(FluxModel.SubstituteAnnotation)) == "disabled"
            || Manifest.Text(body["metadata"].Field("annotations").Field(FluxModel.SubstituteAnnotation)) == "disabled";
    }
}
