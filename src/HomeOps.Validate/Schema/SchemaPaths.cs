using System.Text.RegularExpressions;

namespace HomeOps.Validate.Schema;

/// <summary>
/// Which names from a repository may become part of a schema path or URL. A CRD's group, version and kind are
/// checked as the API server checks them when the CRD is created (apiextensions-apiserver@v0.31.3
/// pkg/apis/apiextensions/validation/validation.go:354 group a DNS-1123 subdomain, :409 each version a DNS-1035
/// label, :761 the lower-cased kind a DNS-1035 label; the formats are apimachinery@v0.31.3
/// pkg/util/validation/validation.go:177-241), so no apiVersion such as "g/v/../../x" can name a file.
/// </summary>
public static partial class SchemaPaths
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    /// <summary>One path segment as homeops asks a schema location for it: no separators, no "." or "..", no control characters.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")]
    private static partial Regex Segment();

    /// <summary>Why a custom resource's group, version and kind cannot name a CRD schema; null when they can.</summary>
    public static string? CrdProblem(string group, string version, string kind)
    {
        if (group.Length is 0 or > 253 || !Dns1123Subdomain().IsMatch(group)) return $"the API group '{group}' is not a DNS subdomain (lower-case letters, digits, '-' and '.')";
        if (version.Length is 0 or > 63 || !Dns1035Label().IsMatch(version)) return $"the version '{version}' is not a DNS label (a lower-case letter, then letters, digits or '-')";
        if (kind.Length is 0 or > 63 || !Dns1035Label().IsMatch(kind.ToLowerInvariant())) return $"the kind '{kind}' is not a valid kind name (a letter, then letters, digits or '-')";
        return null;
    }

    /// <summary>crds/&lt;group&gt;/&lt;kind&gt;_&lt;version&gt;.json, as kubeconform and the datreeio catalog lay them out; null when the names are not valid.</summary>
    public static string? Crd(string group, string version, string kind) =>
        CrdProblem(group, version, kind) is null ? $"crds/{group}/{kind.ToLowerInvariant()}_{version}.json" : null;

    /// <summary>True when <paramref name="relativePath"/> is plain relative segments ('/'-separated) that can name nothing outside a location.</summary>
    public static bool IsSafe(string relativePath)
    {
        var segments = relativePath.Split('/');
        return segments.Length is > 0 and <= 8 && segments.All(s => Segment().IsMatch(s) && s != "." && s != ".." && !s.Contains("..", StringComparison.Ordinal));
    }
}

/// <summary>
/// A schema source that found something it must not use: a TLS failure, a redirect to another origin, a download over
/// the size cap, content that is not JSON. An error for the rule that asked, never a silent "not checked".
/// </summary>
public sealed class SchemaSourceException(string message) : Exception(message);
