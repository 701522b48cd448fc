using System.Text;
using System.Text.Json.Nodes;
using HomeOps.Model.Yaml;

namespace HomeOps.Validate.Rules.Schema;

/// <summary>System.Text.Json error paths ("$.spec.containers[0]['a.b']") as JSON pointers, and removal of what they name.</summary>
public static class StrictPath
{
    public static string ToPointer(string path)
    {
        var pointer = new StringBuilder();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = path.Length;
                pointer.Append('/').Append(YamlJson.Escape(path[(i + 1)..end]));
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0) break;
                pointer.Append('/').Append(YamlJson.Escape(path[(i + 2)..end]));
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0) break;
                pointer.Append('/').Append(path[(i + 1)..end]);
                i = end + 1;
            }
            else i++;
        }
        return pointer.ToString();
    }

    /// <summary>Removes the value at <paramref name="pointer"/>; false when there is nothing to remove (the error is not about a field).</summary>
    public static bool Remove(JsonNode root, string pointer)
    {
        if (pointer.Length == 0) return false;
        var tokens = pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();
        var parent = root;
        foreach (var token in tokens[..^1])
        {
            parent = parent switch
            {
                JsonObject o => o[token],
                JsonArray a when int.TryParse(token, out var index) && index < a.Count => a[index],
                _ => null,
            };
            if (parent is null) return false;
        }
        switch (parent)
        {
            case JsonObject o: return o.Remove(tokens[^1]);
            case JsonArray a when int.TryParse(tokens[^1], out var index) && index < a.Count: a.RemoveAt(index); return true;
            default: return false;
        }
    }
}
