using System.Diagnostics;
using System.Text;
using HomeOps.Tests.Support;
using HomeOps.Validate.Engine;
using Xunit.Abstractions;

namespace HomeOps.Tests.Validate;

/// <summary>
/// A deterministic, seeded mutation fuzzer over the reference repository: each iteration copies
/// talconfig.yaml, bootstrap-config.yaml, talos/patches and the GitOps tree into a scratch
/// directory, damages a few files (lines deleted, duplicated, swapped, re-indented; random and
/// non-UTF-8 bytes, tabs, anchors and aliases; scalars replaced by other types; truncation) and
/// runs the loader and every rule in process. No exception may escape and no rule may crash
/// (internal/rule-failed). A failure prints the seed and the mutations;
/// HOMEOPS_FUZZ_SEED=&lt;seed&gt; HOMEOPS_FUZZ_ITERATIONS=1 replays exactly that iteration.
/// </summary>
[Trait(Category.Name, Category.EndToEnd)]
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20_250_601;
    private const int DefaultIterations = 200;

    /// <summary>What a time-boxed test can afford; more iterations with HOMEOPS_FUZZ_ITERATIONS.</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);

    private static readonly Lazy<IReadOnlyList<(string Path, byte[] Bytes)>> Corpus = new(() =>
    {
        var paths = new List<string> { "talconfig.yaml", "bootstrap-config.yaml" };
        foreach (var top in new[] { "talos/patches", "clusters", "infrastructure", "apps" })
            paths.AddRange(Directory.EnumerateFiles(Path.Combine(Repo.Root, top), "*.yaml", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Repo.Root, f).Replace('\\', '/')));
        paths.Sort(StringComparer.Ordinal);
        return paths.Select(p => (p, File.ReadAllBytes(Path.Combine(Repo.Root, p)))).ToList();
    });

    [Fact]
    public void Random_mutations_of_the_reference_never_crash_the_validator()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("HOMEOPS_FUZZ_SEED"), out var s) ? s : DefaultSeed;
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("HOMEOPS_FUZZ_ITERATIONS"), out var n) ? n : DefaultIterations;
        var timeBoxed = Environment.GetEnvironmentVariable("HOMEOPS_FUZZ_ITERATIONS") is null;
        var validator = new Validator(RuleCatalog.All());
        var enabled = validator.Select([], []);
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        var ran = 0;
        using var temp = new TempDir();
        var root = Path.Combine(temp.Path, "repo");
        WriteCorpus(root);
        for (var i = 0; i < iterations && (!timeBoxed || clock.Elapsed < Budget); i++, ran++)
        {
            var iterationSeed = seed + i;
            var (damaged, talos, log) = Mutate(iterationSeed);
            foreach (var (path, bytes) in damaged) File.WriteAllBytes(Path.Combine(root, path), bytes);
            // Rendering every node is the slow part: only when a Talos file is damaged.
            if (!talos) File.Delete(Path.Combine(root, "talconfig.yaml"));
            try
            {
                var report = Validation.Run(root, git: new Validation.NoGit());
                foreach (var d in report.Findings.Where(d => d.Rule == "internal/rule-failed"))
                    failures.Add($"seed {iterationSeed}: {d.Message}\n  {string.Join("\n  ", log)}");
            }
            catch (Exception e)
            {
                failures.Add($"seed {iterationSeed}: {e.GetType().Name}: {e.Message}\n  {string.Join("\n  ", log)}\n{e.StackTrace}");
            }
            foreach (var path in damaged.Select(d => d.Path).Append("talconfig.yaml")) File.WriteAllBytes(Path.Combine(root, path), Original(path));
        }
        output.WriteLine($"{ran} iterations from seed {seed} in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.Count == 0,
            $"{failures.Count} of {ran} mutated repositories crashed the validator (replay one: HOMEOPS_FUZZ_SEED=<seed> HOMEOPS_FUZZ_ITERATIONS=1):\n\n"
            + string.Join("\n\n", failures.Take(10)));
    }

    /// <summary>The reference files, undamaged, under <paramref name="root"/>.</summary>
    internal static void WriteCorpus(string root)
    {
        foreach (var (path, bytes) in Corpus.Value)
        {
            var full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }
    }

    private static byte[] Original(string path) => Corpus.Value.First(c => c.Path == path).Bytes;

    private static bool IsTalos(string path) => path.StartsWith("talos/", StringComparison.Ordinal) || path == "talconfig.yaml";

    /// <summary>
    /// 1-3 damaged files, each hit 1-4 times: in a third of the seeds one is a Talos file (talconfig.yaml
    /// or a patch) and the nodes are rendered, otherwise manifests and bootstrap-config.yaml only, without
    /// talconfig.yaml. Returns the damaged files, whether Talos is in play, and what was done.
    /// </summary>
    internal static (List<(string Path, byte[] Bytes)> Damaged, bool Talos, List<string> Log) Mutate(int seed)
    {
        var random = new Random(seed);
        var corpus = Corpus.Value;
        var talos = random.Next(3) == 0;
        var candidates = Enumerable.Range(0, corpus.Count).Where(i => !IsTalos(corpus[i].Path)).ToList();
        var victims = Enumerable.Range(0, random.Next(1, 4)).Select(_ => candidates[random.Next(candidates.Count)]).ToHashSet();
        if (talos)
        {
            var files = Enumerable.Range(0, corpus.Count).Where(i => IsTalos(corpus[i].Path)).ToList();
            victims.Add(files[random.Next(files.Count)]);
        }
        var damaged = new List<(string, byte[])>();
        var log = new List<string>();
        foreach (var f in victims.Order())
        {
            var (path, bytes) = corpus[f];
            for (var m = random.Next(1, 5); m > 0; m--)
            {
                var (mutated, what) = MutateOnce(random, bytes);
                bytes = mutated;
                log.Add($"{path}: {what}");
            }
            damaged.Add((path, bytes));
        }
        return (damaged, talos, log);
    }

    private static readonly string[] Scalars =
    [
        "", "~", "null", "true", "no", "yes", "off", "0", "-1", "1e999", "-.inf", ".nan", "0x7fffffffffffffffff", "0o17", "9223372036854775808",
        "1.10", "\"\"", "''", "[]", "{}", "[a, b]", "{a: 1}", "\"\\u0000\"", "\"\\uD800\"", "!!binary aGVsbG8=", "!!int x", "!!float", "!!map", "!!seq",
        "2001-12-14t21:59:43.10-05:00", "*undefined", "&anchor value", "<<: *x", "|", ">-", "'unterminated", "\"unterminated", "#", "- -", "? x",
        "${UNSET}", "${A:-}", "$", "@/etc/passwd", "@../../outside.yaml", "@talos/patches", "../../outside", "/", "%", "`", "\u2028", "\uFEFF",
        new string('x', 5000), "1.2.3.4/33", "::1/200", "999.1.1.1", "fd00::/7", "-", ":", "a: b: c",
    ];

    private static (byte[] Bytes, string What) MutateOnce(Random random, byte[] input)
    {
        var lines = Split(input);
        int Line() => random.Next(Math.Max(1, lines.Count));
        switch (random.Next(13))
        {
            case 0 when lines.Count > 0:
                {
                    var l = Line();
                    lines.RemoveAt(l);
                    return (Join(lines), $"delete line {l + 1}");
                }
            case 1 when lines.Count > 0:
                {
                    var l = Line();
                    lines.Insert(l, lines[l]);
                    return (Join(lines), $"duplicate line {l + 1}");
                }
            case 2 when lines.Count > 1:
                {
                    int a = Line(), b = Line();
                    (lines[a], lines[b]) = (lines[b], lines[a]);
                    return (Join(lines), $"swap lines {a + 1} and {b + 1}");
                }
            case 3:
                {
                    var at = random.Next(input.Length + 1);
                    var junk = new byte[random.Next(1, 17)];
                    random.NextBytes(junk);
                    return ([.. input[..at], .. junk, .. input[at..]], $"insert {junk.Length} random bytes at {at}");
                }
            case 4:
                {
                    var at = random.Next(input.Length + 1);
                    return (input[..at], $"truncate at byte {at}");
                }
            case 5 when lines.Count > 0:
                {
                    var l = Line();
                    var delta = random.Next(-4, 5);
                    var text = Encoding.UTF8.GetString(lines[l]);
                    var indent = text.Length - text.TrimStart(' ').Length;
                    lines[l] = Encoding.UTF8.GetBytes(new string(' ', Math.Max(0, indent + delta)) + text.TrimStart(' '));
                    return (Join(lines), $"indent line {l + 1} by {delta}");
                }
            case 6 when lines.Count > 0:
                {
                    var l = Line();
                    var text = Encoding.UTF8.GetString(lines[l]);
                    var colon = text.IndexOf(": ", StringComparison.Ordinal);
                    var dash = text.TrimStart().StartsWith("- ", StringComparison.Ordinal) ? text.IndexOf("- ", StringComparison.Ordinal) : -1;
                    var cut = colon >= 0 ? colon + 2 : dash >= 0 ? dash + 2 : text.Length;
                    var scalar = Scalars[random.Next(Scalars.Length)];
                    lines[l] = Encoding.UTF8.GetBytes(text[..cut] + (cut == text.Length ? ": " : "") + scalar);
                    return (Join(lines), $"line {l + 1}: value becomes {Show(scalar)}");
                }
            case 7 when lines.Count > 0:
                {
                    // an anchor on one value and an alias to it (or to nothing) elsewhere
                    int a = Line(), b = Line();
                    var name = random.Next(2) == 0 ? "a" : "missing";
                    lines[a] = Value(lines[a], "&a ");
                    lines[b] = Value(lines[b], $"*{name} #");
                    return (Join(lines), $"anchor &a on line {a + 1}, alias *{name} on line {b + 1}");
                }
            case 8 when lines.Count > 0:
                {
                    var l = Line();
                    var text = Encoding.UTF8.GetString(lines[l]);
                    var at = random.Next(text.Length + 1);
                    lines[l] = Encoding.UTF8.GetBytes(text[..at] + "\t" + text[at..]);
                    return (Join(lines), $"tab in line {l + 1} at {at}");
                }
            case 9:
                {
                    byte[][] invalid = [[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xEF, 0xBB, 0xBF]];
                    var bytes = invalid[random.Next(invalid.Length)];
                    var at = random.Next(input.Length + 1);
                    return ([.. input[..at], .. bytes, .. input[at..]], $"insert {Convert.ToHexString(bytes)} at byte {at}");
                }
            case 10 when lines.Count > 0:
                {
                    string[] structure = ["---", "...", "%YAML 1.1", "%TAG ! tag:x,2000:", "? complex", ": value", "<<: *a", "- item", "[", "{", "key: |", "key: >", "!!str", "null"];
                    var l = Line();
                    var insert = structure[random.Next(structure.Length)];
                    lines.Insert(l, Encoding.UTF8.GetBytes(insert));
                    return (Join(lines), $"insert line {l + 1}: {insert}");
                }
            case 11 when lines.Count > 2:
                {
                    // move a block of lines elsewhere (keys change parents)
                    var from = Line();
                    var count = Math.Min(random.Next(1, 6), lines.Count - from);
                    var block = lines.GetRange(from, count);
                    lines.RemoveRange(from, count);
                    var to = random.Next(lines.Count + 1);
                    lines.InsertRange(to, block);
                    return (Join(lines), $"move lines {from + 1}-{from + count} to {to + 1}");
                }
            default:
                {
                    var at = random.Next(input.Length + 1);
                    var bytes = new byte[random.Next(1, 4)];
                    for (var i = 0; i < bytes.Length; i++) bytes[i] = (byte)random.Next(0, 0x20);
                    return ([.. input[..at], .. bytes, .. input[at..]], $"insert control bytes {Convert.ToHexString(bytes)} at byte {at}");
                }
        }
    }

    private static byte[] Value(byte[] line, string prefix)
    {
        var text = Encoding.UTF8.GetString(line);
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(colon >= 0 ? text[..(colon + 2)] + prefix + text[(colon + 2)..] : prefix + text);
    }

    private static string Show(string scalar) => scalar.Length > 20 ? $"<{scalar.Length} chars>" : $"'{scalar}'";

    private static List<byte[]> Split(byte[] bytes)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
            if (bytes[i] == '\n')
            {
                lines.Add(bytes[start..i]);
                start = i + 1;
            }
        if (start < bytes.Length) lines.Add(bytes[start..]);
        return lines;
    }

    private static byte[] Join(List<byte[]> lines)
    {
        var result = new List<byte>();
        foreach (var line in lines)
        {
            result.AddRange(line);
            result.Add((byte)'\n');
        }
        return [.. result];
    }
}
