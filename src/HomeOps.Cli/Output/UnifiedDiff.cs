using System.Text;
using DiffPlex;
using DiffPlex.Model;

namespace HomeOps.Cli.Output;

/// <summary>A unified diff (as `diff -u` prints it, 3 lines of context) between a file on disk and what homeops would write.</summary>
public static class UnifiedDiff
{
    private const int Context = 3;

    /// <summary>A null <paramref name="current"/> is a file to create, a null <paramref name="proposed"/> one to delete (each side /dev/null, as git shows them).</summary>
    public static string Of(string path, string? current, string? proposed)
    {
        var diff = Differ.Instance.CreateLineDiffs(current ?? "", proposed ?? "", false, false);
        if (diff.DiffBlocks.Count == 0) return "";
        var text = new StringBuilder()
            .Append(current is null ? "--- /dev/null\n" : $"--- a/{path}\n")
            .Append(proposed is null ? "+++ /dev/null\n" : $"+++ b/{path}\n");
        foreach (var hunk in Hunks(diff.DiffBlocks))
        {
            var first = hunk[0];
            var last = hunk[^1];
            var oldStart = Math.Max(0, first.DeleteStartA - Context);
            var newStart = Math.Max(0, first.InsertStartB - Context);
            var oldEnd = Math.Min(diff.PiecesOld.Count, last.DeleteStartA + last.DeleteCountA + Context);
            var newEnd = Math.Min(diff.PiecesNew.Count, last.InsertStartB + last.InsertCountB + Context);
            text.Append($"@@ -{oldStart + 1},{oldEnd - oldStart} +{newStart + 1},{newEnd - newStart} @@\n");
            var at = oldStart;
            foreach (var block in hunk)
            {
                for (; at < block.DeleteStartA; at++) text.Append(' ').Append(diff.PiecesOld[at]).Append('\n');
                for (var i = 0; i < block.DeleteCountA; i++) text.Append('-').Append(diff.PiecesOld[block.DeleteStartA + i]).Append('\n');
                for (var i = 0; i < block.InsertCountB; i++) text.Append('+').Append(diff.PiecesNew[block.InsertStartB + i]).Append('\n');
                at = block.DeleteStartA + block.DeleteCountA;
            }
            for (; at < oldEnd; at++) text.Append(' ').Append(diff.PiecesOld[at]).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Changes closer than twice the context share one hunk, as diff -u groups them.</summary>
    private static List<List<DiffBlock>> Hunks(IEnumerable<DiffBlock> blocks)
    {
        var hunks = new List<List<DiffBlock>>();
        foreach (var block in blocks)
        {
            if (hunks.Count > 0 && block.DeleteStartA - (hunks[^1][^1].DeleteStartA + hunks[^1][^1].DeleteCountA) <= 2 * Context) hunks[^1].Add(block);
            else hunks.Add([block]);
        }
        return hunks;
    }
}
