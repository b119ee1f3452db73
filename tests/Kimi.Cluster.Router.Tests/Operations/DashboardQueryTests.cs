using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kimi.Cluster.Router.Tests.Support;
using Xunit.Abstractions;

namespace Kimi.Cluster.Router.Tests.Operations;

/// <summary>
/// The Grafana dashboard against a real Prometheus: a local cluster with two expert workers
/// serves a few dozen completions and chats while Prometheus scrapes every process's /metrics;
/// then every panel's PromQL must return data, and every metric it names must be documented.
/// Without /usr/bin/prometheus the test returns early, unless KIMI_REQUIRE_PROMETHEUS=1 (CI).
/// </summary>
[Trait("Needs", "Processes")]
public sealed partial class DashboardQueryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan QueryDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EveryDashboardQuery_ReturnsData_WhenPrometheusScrapesALoadedCluster()
    {
        if (!File.Exists(PrometheusServer.BinaryPath))
        {
            Assert.False(Environment.GetEnvironmentVariable("KIMI_REQUIRE_PROMETHEUS") == "1",
                $"{PrometheusServer.BinaryPath} is missing, and KIMI_REQUIRE_PROMETHEUS=1 requires it (apt-get install prometheus)");
            output.WriteLine($"Skipped: {PrometheusServer.BinaryPath} is missing (apt-get install prometheus).");
            return;
        }
        var clock = Stopwatch.StartNew();
        string[] queries = DashboardQueries();
        await using var cluster = await ClusterUnderTest.StartAsync("metrics", "--expert-workers", "2");
        await using var prometheus = await PrometheusServer.StartAsync(await ScrapeTargetsAsync(cluster));
        await LoadAsync(cluster);
        output.WriteLine($"cluster, Prometheus and load: {clock.Elapsed.TotalSeconds:0.0} s");

        var deadline = DateTime.UtcNow + QueryDeadline;
        foreach (string query in queries)
        {
            JsonArray result;
            while ((result = await prometheus.QueryAsync(query)).Count == 0 && DateTime.UtcNow < deadline)
                await Task.Delay(500);
            Assert.True(result.Count > 0, $"no data for {query}{Environment.NewLine}Prometheus:{Environment.NewLine}{prometheus.Output}");
        }
        output.WriteLine($"{queries.Length} queries answered after {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public void EveryMetricTheDashboardNames_IsDocumented()
    {
        string docs = File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "docs", "metrics.md"));
        var undocumented = DashboardQueries().SelectMany(MetricNames).Distinct().Where(name => !docs.Contains($"`{name}`", StringComparison.Ordinal));
        Assert.Empty(undocumented);
    }

    /// <summary>Every panel target's expr, with Grafana's interval variables replaced by fixed windows.</summary>
    private static string[] DashboardQueries()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root(), "deploy", "grafana", "kimi-cluster.json")))!;
        var queries = dashboard["panels"]!.AsArray()
            .SelectMany(panel => panel!["targets"]!.AsArray())
            .Select(target => ((string?)target!["expr"])!
                .Replace("$__rate_interval", "1m", StringComparison.Ordinal)
                .Replace("$__interval", "30s", StringComparison.Ordinal)
                .Replace("$__range", "5m", StringComparison.Ordinal))
            .ToArray();
        Assert.NotEmpty(queries);
        return queries;
    }

    /// <summary>Exported series names a query reads, without the histogram suffixes (documented as one metric).</summary>
    private static IEnumerable<string> MetricNames(string query) =>
        MetricName().Matches(query).Select(match => HistogramSuffix().Replace(match.Value, ""));

    private static async Task<IEnumerable<(string Job, string Target)>> ScrapeTargetsAsync(ClusterUnderTest cluster)
    {
        var (status, health) = await RouterApi.GetAsync(cluster.Http, "/health");
        Assert.Equal(200, status);
        var targets = health["metrics"]!.AsArray()
            .Select(target => ((string)target!["process"]!, new Uri((string)target["url"]!)))
            .Select(target => (target.Item1.Replace(' ', '_'), target.Item2.Authority))
            .ToArray();
        // Router, attention worker and two expert workers.
        Assert.Equal(4, targets.Length);
        return targets;
    }

    /// <summary>A few dozen requests at once: completions (a third streamed, all sharing a prefix) and chats.</summary>
    private static async Task LoadAsync(ClusterUnderTest cluster)
    {
        static object Completion(int i, bool stream) => new
        {
            prompt = $"The same long shared prefix for the prefix cache, then request number {i}",
            max_tokens = 12,
            stream,
        };
        var requests = Enumerable.Range(0, 36).Select(i => (i % 3) switch
        {
            0 => (Task)RouterApi.PostStreamAsync(cluster.Http, "/v1/completions", Completion(i, stream: true)),
            1 => ExpectOkAsync(RouterApi.PostAsync(cluster.Http, "/v1/completions", Completion(i, stream: false))),
            _ => ExpectOkAsync(RouterApi.PostAsync(cluster.Http, "/v1/chat/completions", new
            {
                messages = new[] { new { role = "user", content = $"Hello number {i}" } },
                max_tokens = 12,
            })),
        });
        await Task.WhenAll(requests);
    }

    private static async Task ExpectOkAsync(Task<(int Status, JsonNode Body)> request) =>
        Assert.Equal(200, (await request).Status);

    [GeneratedRegex(@"\b(?:kimi|gen_ai)_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex("_(?:bucket|sum|count)$")]
    private static partial Regex HistogramSuffix();
}
