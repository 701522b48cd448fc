namespace HomeOps.Model.Yaml;

/// <summary>Reads a dotenv file: <c>KEY=value</c>, optional <c>export</c>, quotes, <c>#</c> comments.</summary>
public static class DotEnv
{
    public static Dictionary<string, string> Parse(string text, string file, FindingBag findings)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line["export ".Length..].TrimStart();
            var eq = line.IndexOf('=');
            if (eq <= 0)
            {
                findings.Add(Finding.Error("config/env-syntax", new SourceLocation(file, i + 1, 1),
                    "expected KEY=value", "remove the line or write it as KEY=value"));
                continue;
            }
            var key = line[..eq].Trim();
            result[key] = Unquote(line[(eq + 1)..].Trim());
        }
        return result;
    }

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
        {
            var inner = value[1..^1];
            return value[0] == '"' ? inner.Replace("\\n", "\n").Replace("\\\"", "\"") : inner;
        }
        var comment = value.IndexOf(" #", StringComparison.Ordinal);
        return comment >= 0 ? value[..comment].TrimEnd() : value;
    }

    /// <summary>The process environment wins over .env, as with every dotenv loader operators know.</summary>
    public static IReadOnlyDictionary<string, string> Merge(IReadOnlyDictionary<string, string> dotEnv, System.Collections.IDictionary environment)
    {
        var merged = new Dictionary<string, string>(dotEnv, StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in environment)
            if (entry.Key is string k && entry.Value is string v) merged[k] = v;
        return merged;
    }
}
