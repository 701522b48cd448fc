namespace HomeOps.Compile.Flux;

/// <summary>
/// Go's path.Match (the shell patterns envsubst's ${v#glob} and ${v%glob} use): '*' any run of
/// non-'/' characters, '?' one non-'/' character, '[...]' a class with ranges and '^' negation,
/// '\' escapes. Null means the pattern is malformed (Go's ErrBadPattern).
/// </summary>
public static class GlobMatch
{
    public static bool? Match(string pattern, string name)
    {
        var p = pattern.EnumerateRunes().Select(r => r.Value).ToArray();
        var n = name.EnumerateRunes().Select(r => r.Value).ToArray();
        return Match(p, 0, n, 0);
    }

    private static bool? Match(int[] p, int pi, int[] n, int ni)
    {
        while (pi < p.Length)
        {
            switch (p[pi])
            {
                case '*':
                    // a run of stars is one star; it cannot cross '/'
                    while (pi < p.Length && p[pi] == '*') pi++;
                    if (pi == p.Length) return !n.Skip(ni).Contains('/');
                    for (var k = ni; k <= n.Length; k++)
                    {
                        var rest = Match(p, pi, n, k);
                        if (rest is null) return null;
                        if (rest == true) return true;
                        if (k < n.Length && n[k] == '/') break;
                    }
                    return Validate(p, pi) ? false : null;
                case '?':
                    if (ni >= n.Length || n[ni] == '/') return Validate(p, pi + 1) ? false : null;
                    pi++;
                    ni++;
                    break;
                case '[':
                    var (matched, next) = Class(p, pi, ni < n.Length ? n[ni] : -1);
                    if (next < 0) return null;
                    if (ni >= n.Length || !matched || n[ni] == '/') return Validate(p, next) ? false : null;
                    pi = next;
                    ni++;
                    break;
                case '\\':
                    if (pi + 1 >= p.Length) return null;
                    if (ni >= n.Length || n[ni] != p[pi + 1]) return Validate(p, pi + 2) ? false : null;
                    pi += 2;
                    ni++;
                    break;
                default:
                    if (ni >= n.Length || n[ni] != p[pi]) return Validate(p, pi + 1) ? false : null;
                    pi++;
                    ni++;
                    break;
            }
        }
        return ni == n.Length;
    }

    /// <summary>Whether the rest of the pattern is well formed (Go reports a bad pattern even after a mismatch).</summary>
    private static bool Validate(int[] p, int pi)
    {
        while (pi < p.Length)
        {
            switch (p[pi])
            {
                case '[':
                    var (_, next) = Class(p, pi, -1);
                    if (next < 0) return false;
                    pi = next;
                    break;
                case '\\':
                    if (pi + 1 >= p.Length) return false;
                    pi += 2;
                    break;
                default:
                    pi++;
                    break;
            }
        }
        return true;
    }

    /// <summary>Reads a character class at p[pi] ('['); returns whether <paramref name="c"/> is in it and the index after ']', or -1 when malformed.</summary>
    private static (bool Matched, int Next) Class(int[] p, int pi, int c)
    {
        pi++;
        var negated = pi < p.Length && p[pi] == '^';
        if (negated) pi++;
        var matched = false;
        var first = true;
        while (true)
        {
            if (pi >= p.Length) return (false, -1);
            if (p[pi] == ']' && !first) break;
            first = false;
            if (!Char(p, ref pi, out var lo)) return (false, -1);
            var hi = lo;
            if (pi < p.Length && p[pi] == '-')
            {
                pi++;
                if (!Char(p, ref pi, out hi)) return (false, -1);
            }
            if (lo <= c && c <= hi) matched = true;
        }
        return (matched != negated, pi + 1);
    }

    private static bool Char(int[] p, ref int pi, out int c)
    {
        c = 0;
        if (pi >= p.Length || p[pi] is '-' or ']') return false;
        if (p[pi] == '\\')
        {
            pi++;
            if (pi >= p.Length) return false;
        }
        c = p[pi++];
        return true;
    }
}
