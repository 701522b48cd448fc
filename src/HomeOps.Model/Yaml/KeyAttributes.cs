namespace HomeOps.Model.Yaml;

/// <summary>Marks a property that must be present in the YAML mapping.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredKeyAttribute : Attribute;

/// <summary>Marks a key that is still accepted but has a replacement; binding it warns.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DeprecatedKeyAttribute(string replacement) : Attribute
{
    public string Replacement { get; } = replacement;
}
