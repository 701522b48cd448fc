namespace HomeOps.Validate.Engine;

/// <summary>
/// Every rule set in this assembly. Discovered rather than listed so that adding a rule is adding
/// one class (and its fixtures), never editing a shared registry.
/// </summary>
public static class RuleCatalog
{
    public static IReadOnlyList<IRuleSet> All() =>
        typeof(RuleCatalog).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IRuleSet).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(Create)
            .ToList();

    private static IRuleSet Create(Type type) =>
        type.GetConstructor(Type.EmptyTypes) is { } constructor
            ? (IRuleSet)constructor.Invoke(null)
            : throw new InvalidOperationException($"{type.Name} needs a parameterless constructor; pass settings through the RepoModel");
}
