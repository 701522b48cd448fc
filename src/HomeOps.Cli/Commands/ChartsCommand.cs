using System.CommandLine;
using HomeOps.Operations.Charts;

namespace HomeOps.Cli.Commands;

/// <summary>`homeops charts pull`: the pinned charts of every HelmRelease into the chart cache, for validate's helm/values-* rules.</summary>
public static class ChartsCommand
{
    public static Command Create()
    {
        var pull = new Command("pull", """
            Download the chart every HelmRelease in the repository pins (chart.spec.chart/version from a
            HelmRepository, or a chartRef to an OCIRepository's ref.tag) into the chart cache
            ($XDG_CACHE_HOME/homeops/charts), checking each package's digest (index.yaml's digest, the
            OCI manifest's layer digest); a package that does not match is not kept. `validate` then
            checks each HelmRelease's values against its chart (rules helm/values-schema and
            helm/values-unknown-key). https only; HOMEOPS_OFFLINE=1 sends nothing.
            One line per chart: pulled, cached, skipped (nothing pinned to download) or failed, with why.
            Exit 0 when every pinned chart is in the cache, 1 when one failed, 2 for bad input.
            """);
        pull.SetAction(async (parse, cancel) =>
        {
            var root = Composition.ExistingRoot(parse);
            var repo = Composition.LoadRepository(root);
            var charts = repo.Charts;
            if (charts.Count == 0) throw new UsageException($"no HelmRelease in {root}: no chart to pull (run it in the repository root or pass -C DIR)");
            var puller = Composition.ChartPull();
            if (puller.Offline) Console.WriteLine("offline (HOMEOPS_OFFLINE=1): nothing is downloaded");
            var results = await puller.PullAsync(charts, cancel);
            foreach (var result in results)
            {
                var where = string.Join(", ", result.Releases.Select(r => $"{Path.GetRelativePath(root, Path.Combine(root, r.File))}:{r.At().Line}").Distinct().Take(3));
                Console.WriteLine($"{result.Outcome.ToString().ToLowerInvariant(),-8} {result.Chart}: {result.Detail} ({where})");
            }
            int Count(PullOutcome outcome) => results.Count(r => r.Outcome == outcome);
            Console.WriteLine($"{results.Count} chart(s): {Count(PullOutcome.Pulled)} pulled, {Count(PullOutcome.Cached)} cached, " +
                              $"{Count(PullOutcome.Skipped)} skipped, {Count(PullOutcome.Failed)} failed");
            return Count(PullOutcome.Failed) > 0 ? ExitCodes.Findings : ExitCodes.Ok;
        });
        return new Command("charts", "The Helm charts the repository's HelmReleases pin: `charts pull` caches them so validate can check values against them.") { pull };
    }
}
