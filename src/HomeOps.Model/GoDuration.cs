using System.Text.RegularExpressions;

namespace HomeOps.Model;

/// <summary>Go-style durations as Flux and Talos write them: "90s", "10m", "1h30m", "500ms".</summary>
public static partial class GoDuration
{
    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)(h|ms|m|s))+$")]
    private static partial Regex Whole();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(h|ms|m|s)")]
    private static partial Regex Part();

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text is null || !Whole().IsMatch(text)) return false;
        foreach (Match m in Part().Matches(text))
        {
            var value = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            duration += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                _ => TimeSpan.FromMilliseconds(value),
            };
        }
        return true;
    }

    /// <summary>As Go's time.Duration prints it ("10m0s", "1h30m0s", "45s"), which is also what --timeout flags parse; whole seconds, rounded up.</summary>
    public static string Format(TimeSpan duration)
    {
        var total = (long)Math.Ceiling(duration.TotalSeconds);
        long h = total / 3600, m = total % 3600 / 60, s = total % 60;
        return h > 0 ? $"{h}h{m}m{s}s" : m > 0 ? $"{m}m{s}s" : $"{s}s";
    }
}
