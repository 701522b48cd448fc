using System.Text;

namespace HomeOps.Compile.Flux;

/// <summary>
/// The shell pattern match of ${v#glob} and ${v%glob}: a port of fluxcd/pkg envsubst/path/match.go
/// (envsubst v1.4.0), an old variant of Go's path.Match in which '*' also matches '/' and '?' any
/// character. '[...]' is a class with ranges and '^' negation, '\' escapes. Null means the pattern
/// is malformed (ErrBadPattern).
/// </summary>
public static class GlobMatch
{
    private sealed class BadPattern : Exception;

    public static bool? Match(string pattern, string name)
    {
        try { return Matches(pattern, name); }
        catch (BadPattern) { return null; }
    }

    private static bool Matches(string pattern, string name)
    {
        while (pattern.Length > 0)
        {
            var (star, chunk, rest) = ScanChunk(pattern);
            pattern = rest;
            if (star && chunk.Length == 0) return true; // a trailing * matches the rest
            var (t, ok) = MatchChunk(chunk, name);
            if (ok && (t.Length == 0 || pattern.Length > 0))
            {
                name = t;
                continue;
            }
            if (star)
            {
                var advanced = false;
                for (var i = 0; i < name.Length; i++)
                {
                    var (t2, ok2) = MatchChunk(chunk, name[(i + 1)..]);
                    if (!ok2) continue;
                    if (pattern.Length == 0 && t2.Length > 0) continue;
                    name = t2;
                    advanced = true;
                    break;
                }
                if (advanced) continue;
            }
            return false;
        }
        return name.Length == 0;
    }

    private static (bool Star, string Chunk, string Remaining) ScanChunk(string pattern)
    {
        var star = false;
        while (pattern.Length > 0 && pattern[0] == '*')
        {
            pattern = pattern[1..];
            star = true;
        }
        var inRange = false;
        var i = 0;
        for (; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\') { if (i + 1 < pattern.Length) i++; }
            else if (c == '[') inRange = true;
            else if (c == ']') inRange = false;
            else if (c == '*' && !inRange) break;
        }
        return (star, pattern[..i], pattern[i..]);
    }

    private static (string Left, bool Ok) MatchChunk(string chunk, string s)
    {
        while (chunk.Length > 0)
        {
            if (s.Length == 0) return (s, false);
            switch (chunk[0])
            {
                case '[':
                    var r = Rune.GetRuneAt(s, 0);
                    s = s[r.Utf16SequenceLength..];
                    chunk = chunk[1..];
                    var notNegated = true;
                    if (chunk.Length > 0 && chunk[0] == '^')
                    {
                        notNegated = false;
                        chunk = chunk[1..];
                    }
                    var match = false;
                    var ranges = 0;
                    while (true)
                    {
                        if (chunk.Length > 0 && chunk[0] == ']' && ranges > 0)
                        {
                            chunk = chunk[1..];
                            break;
                        }
                        var lo = Escaped(ref chunk);
                        var hi = lo;
                        if (chunk[0] == '-')
                        {
                            chunk = chunk[1..];
                            hi = Escaped(ref chunk);
                        }
                        if (lo <= r.Value && r.Value <= hi) match = true;
                        ranges++;
                    }
                    if (match != notNegated) return (s, false);
                    break;
                case '?':
                    s = s[Rune.GetRuneAt(s, 0).Utf16SequenceLength..];
                    chunk = chunk[1..];
                    break;
                case '\\':
                    chunk = chunk[1..];
                    if (chunk.Length == 0) throw new BadPattern();
                    if (chunk[0] != s[0]) return (s, false);
                    s = s[1..];
                    chunk = chunk[1..];
                    break;
                default:
                    if (chunk[0] != s[0]) return (s, false);
                    s = s[1..];
                    chunk = chunk[1..];
                    break;
            }
        }
        return (s, true);
    }

    private static int Escaped(ref string chunk)
    {
        if (chunk.Length == 0 || chunk[0] is '-' or ']') throw new BadPattern();
        if (chunk[0] == '\\')
        {
            chunk = chunk[1..];
            if (chunk.Length == 0) throw new BadPattern();
        }
        var r = Rune.GetRuneAt(chunk, 0);
        chunk = chunk[r.Utf16SequenceLength..];
        if (chunk.Length == 0) throw new BadPattern();
        return r.Value;
    }
}
