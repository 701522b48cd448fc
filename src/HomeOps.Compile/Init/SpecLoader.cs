using HomeOps.Model;
using HomeOps.Model.Init;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Init;

/// <summary>cluster-spec.yaml → <see cref="ClusterSpec"/>, strictly bound and then checked.</summary>
public static class SpecLoader
{
    public const string ApiVersion = "homeops.dev/v1alpha1";
    public const string Kind = "ClusterSpec";

    /// <summary>The spec when it binds and passes every check; null with the reasons in <paramref name="findings"/> otherwise.</summary>
    public static ClusterSpec? Load(string text, string file, FindingBag findings)
    {
        var documents = YamlDocuments.Parse(text, file, findings);
        if (documents.Count != 1 || documents[0].RootNode is not YamlMappingNode root)
        {
            if (!findings.HasErrors)
                findings.Add(Finding.Error("spec/format", SourceLocation.InFile(file), $"{file} must hold exactly one YAML mapping",
                    "start from `homeops init --example` or see docs/getting-started.md"));
            return null;
        }
        var spec = new YamlBinder(file, findings).Bind<ClusterSpec>(root);
        if (spec is null || findings.HasErrors) return null;
        if (spec.ApiVersion is not (null or ApiVersion) || spec.Kind is not (null or Kind))
            findings.Add(Finding.Error("spec/format", spec.Location, $"expected apiVersion {ApiVersion}, kind {Kind}",
                "this file is not a homeops cluster spec; see docs/getting-started.md"));
        SpecChecks.Check(spec, findings);
        return findings.HasErrors ? null : spec;
    }
}
