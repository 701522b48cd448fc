using System.Text.RegularExpressions;

namespace HomeOps.Adapters.Tools;

/// <summary>
/// A table printed through Go's text/tabwriter with padding ≥ 2 and flags 0, as talosctl prints its `etcd` tables
/// (`tabwriter.NewWriter(os.Stdout, 0, 0, 3, ' ', 0)`, talos@v1.10.5:cmd/talosctl/cmd/talos/etcd.go:51,220,278). Every
/// cell but a line's last is padded to its column's width, so each column starts at the same offset on every line, and
/// an empty cell is just spaces. Cells are therefore cut at the header's column offsets, never split on whitespace (an
/// empty HOSTNAME or STORAGE cell would vanish and shift the rest). Header names hold at most single spaces ("DB SIZE",
/// "PEER URLS"); columns are separated by at least the padding.
/// </summary>
internal sealed partial class TabwriterTable
{
    [GeneratedRegex(@"\S+(?: \S+)*")]
    private static partial Regex HeaderCell();

    private readonly List<(string Name, int Start)> _columns;

    private TabwriterTable(List<(string Name, int Start)> columns, string header, List<IReadOnlyDictionary<string, string>> rows) =>
        (_columns, Header, Rows) = (columns, header, rows);

    /// <summary>The header as printed (trimmed), for messages.</summary>
    public string Header { get; }

    public IReadOnlyList<string> Columns => _columns.Select(c => c.Name).ToList();

    public IReadOnlyList<IReadOnlyDictionary<string, string>> Rows { get; }

    /// <summary>
    /// Reads <paramref name="text"/>: the first non-blank line is the header. Null when there is no line at all (an empty
    /// answer). Throws <see cref="FormatException"/> naming the line when a row does not line up with the header.
    /// </summary>
    public static TabwriterTable? Parse(string text)
    {
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n').Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count == 0) return null;
        var columns = HeaderCell().Matches(lines[0]).Select(m => (m.Value, m.Index)).ToList();
        for (var i = 1; i < columns.Count; i++)
            if (columns[i].Index - (columns[i - 1].Index + columns[i - 1].Value.Length) < 2)
                throw new FormatException($"the header `{lines[0].Trim()}` does not separate its columns by tabwriter padding");
        var rows = new List<IReadOnlyDictionary<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var cells = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < columns.Count; i++)
            {
                var start = columns[i].Index;
                var end = i + 1 < columns.Count ? columns[i + 1].Index : line.Length;
                // a padded cell ends in a space just before the next column; a character there means the row does not line up
                if (i + 1 < columns.Count && end <= line.Length && end > 0 && line[end - 1] != ' ')
                    throw new FormatException($"the row `{line.Trim()}` does not line up with the header `{lines[0].Trim()}` (column {columns[i + 1].Value})");
                cells[columns[i].Value] = start >= line.Length ? "" : line[start..Math.Min(end, line.Length)].Trim();
            }
            if (columns.Count > 0 && columns[0].Index > 0 && line[..Math.Min(columns[0].Index, line.Length)].Trim().Length > 0)
                throw new FormatException($"the row `{line.Trim()}` starts before the header's first column");
            rows.Add(cells);
        }
        return new TabwriterTable(columns.Select(c => (c.Value, c.Index)).ToList(), lines[0].Trim(), rows);
    }

    /// <summary>The required columns this table lacks.</summary>
    public IReadOnlyList<string> Missing(IEnumerable<string> required) => required.Where(r => _columns.All(c => c.Name != r)).ToList();
}
