using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Model.Yaml;

/// <summary>
/// Binds YAML mappings onto plain C# classes (keys: [JsonPropertyName] or the camelCase
/// property name, so the same class serializes back to the identical shape), strictly: an unknown key is an error with its
/// position and the nearest known key as a hint, a missing required key is an error at the
/// mapping. Binding never stops at the first problem, so one run reports them all.
/// Supported shapes: string, bool, int, long, enums-as-strings, List&lt;T&gt;,
/// Dictionary&lt;string, T&gt;, <see cref="JsonNode"/> (free-form, e.g. patches), <see cref="YamlNode"/> (the node as written,
/// for values whose reading depends on how they were written, e.g. octal file modes) and classes.
/// </summary>
public sealed class YamlBinder(string file, FindingBag findings)
{
    public T? Bind<T>(YamlNode node) where T : class => (T?)Bind(typeof(T), node, "");

    private object? Bind(Type type, YamlNode node, string path)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(JsonNode)) return FreeForm(node, path);
        if (underlying == typeof(YamlNode)) return node;
        if (IsNull(node)) return null;
        if (underlying == typeof(string) || underlying == typeof(bool) || underlying == typeof(int) || underlying == typeof(long))
            return BindScalar(underlying, node, path);
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(List<>))
            return BindList(underlying, node, path);
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            return BindDictionary(underlying, node, path);
        return BindObject(underlying, node, path);
    }

    private JsonNode? FreeForm(YamlNode node, string path)
    {
        try { return YamlJson.ToJson(node); }
        catch (FormatException e)
        {
            Report(node, $"{Describe(path)}: {e.Message}");
            return null;
        }
    }

    private object? BindScalar(Type type, YamlNode node, string path)
    {
        if (node is not YamlScalarNode scalar)
        {
            Report(node, $"{Describe(path)} must be a {Name(type)}, not a {Kind(node)}", ScalarHint(type));
            return null;
        }
        var text = scalar.Value ?? "";
        if (type == typeof(string)) return text;
        if (type == typeof(bool) && bool.TryParse(text, out var flag)) return flag;
        if (type == typeof(int) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)) return i;
        if (type == typeof(long) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return l;
        Report(node, $"{Describe(path)} must be a {Name(type)}, got '{text}'", ScalarHint(type));
        return null;
    }

    private object? BindList(Type type, YamlNode node, string path)
    {
        if (node is not YamlSequenceNode sequence)
        {
            Report(node, $"{Describe(path)} must be a list, not a {Kind(node)}", "write each item on its own line starting with '- '");
            return null;
        }
        var itemType = type.GetGenericArguments()[0];
        var list = (IList)Activator.CreateInstance(type)!;
        var index = 0;
        foreach (var child in sequence.Children)
        {
            var item = Bind(itemType, child, $"{path}[{index++}]");
            if (item is not null) list.Add(item);
        }
        return list;
    }

    private object? BindDictionary(Type type, YamlNode node, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            Report(node, $"{Describe(path)} must be a mapping, not a {Kind(node)}");
            return null;
        }
        var valueType = type.GetGenericArguments()[1];
        var dictionary = (IDictionary)Activator.CreateInstance(type)!;
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                Report(key, $"keys must be plain names in {Describe(path)}, not a {Kind(key)}");
                continue;
            }
            var bound = Bind(valueType, value, $"{path}.{name}");
            if (bound is not null) dictionary[name] = bound;
        }
        return dictionary;
    }

    private object? BindObject(Type type, YamlNode node, string path)
    {
        if (node is not YamlMappingNode mapping)
        {
            Report(node, $"{Describe(path)} must be a mapping, not a {Kind(node)}", "write its keys indented below it, one 'key: value' per line");
            return null;
        }
        var properties = PropertiesOf(type);
        var instance = Activator.CreateInstance(type)!;
        if (instance is Located located) located.Location = YamlDocuments.At(file, node);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                Report(keyNode, $"keys must be plain names{(path.Length == 0 ? "" : $" in {path}")}, not a {Kind(keyNode)}");
                continue;
            }
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (!properties.TryGetValue(key, out var property))
            {
                var suggestion = Suggest.Nearest(key, properties.Keys);
                Report(keyNode, $"unknown key '{key}'{(path.Length == 0 ? "" : $" in {path}")}",
                    suggestion is null
                        ? $"known keys here: {string.Join(", ", properties.Keys.Order(StringComparer.Ordinal))}"
                        : $"did you mean '{suggestion}'?");
                continue;
            }
            if (IsNull(valueNode) || valueNode is YamlScalarNode { Value: "" }) continue; // absent, as talhelper reads it
            seen.Add(key);
            if (property.GetCustomAttribute<DeprecatedKeyAttribute>() is { } deprecated)
                findings.Add(Finding.Warning("config/deprecated", YamlDocuments.At(file, keyNode),
                    $"'{childPath}' is deprecated", $"use '{deprecated.Replacement}' instead"));
            if (instance is Located l) l.Remember(key, YamlDocuments.At(file, valueNode));
            property.SetValue(instance, Bind(property.PropertyType, valueNode, childPath));
        }
        foreach (var (key, property) in properties)
            if (!seen.Contains(key) && property.GetCustomAttribute<RequiredKeyAttribute>() is not null)
                Report(node, $"missing required key '{key}'{(path.Length == 0 ? "" : $" in {path}")}", $"add '{key}:' with a value to this mapping");
        return instance;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Dictionary<string, PropertyInfo>> Cache = new();

    private static Dictionary<string, PropertyInfo> PropertiesOf(Type type) => Cache.GetOrAdd(type, t =>
        t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.DeclaringType != typeof(Located))
            .ToDictionary(p => p.GetCustomAttribute<System.Text.Json.Serialization.JsonPropertyNameAttribute>()?.Name ?? char.ToLowerInvariant(p.Name[0]) + p.Name[1..], StringComparer.Ordinal));

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Value: null or "" or "~" or "null" or "Null" or "NULL", Style: YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any };

    private void Report(YamlNode node, string message, string? hint = null) =>
        findings.Add(Finding.Error("config/schema", YamlDocuments.At(file, node), message, hint));

    private static string Describe(string path) => path.Length == 0 ? "the document" : $"'{path}'";

    private static string Kind(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "scalar",
    };

    private static string ScalarHint(Type type) =>
        type == typeof(string) ? "write a single value on the key's line (quote it if it holds ': ' or starts with a special character)"
        : type == typeof(bool) ? "write true or false"
        : "write digits only, without quotes or units, e.g. 9000";

    private static string Name(Type type) => type == typeof(string) ? "string" : type == typeof(bool) ? "boolean (true/false)" : "whole number";
}
