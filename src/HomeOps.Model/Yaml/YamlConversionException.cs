using YamlDotNet.Core;

namespace HomeOps.Model.Yaml;

/// <summary>A YAML document that parses but cannot become a JSON tree, with the position of the node at fault.</summary>
public sealed class YamlConversionException(string message, Mark at) : FormatException(message)
{
    public Mark At { get; } = at;
}
