using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// `local --attention-workers 2`: clients that go away mid-stream free their sequences at once on
/// whichever attention worker holds them, instead of generating on to max_tokens.
/// </summary>
[Trait("Needs", "Processes")]
public sealed partial class ClientDisconnectTests
{
    private const int Streams = 8;

    // Far more than the test waits for: generating them would take minutes, freeing takes a step.
    private const int MaxTokens = 16_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Streams_LeaveBothAttentionWorkersIdle_WhenTheirClientsDisconnect()
    {
        using var checkpoint = new TempDirectory("kimi-disconnect-checkpoint");
        TinyCheckpointWriter.Write(checkpoint.Path, ExpertParallelFixture.Spec with { MaxPositionEmbeddings = MaxTokens + 64 });
        await using var cluster = await ClusterUnderTest.StartAsync("disconnects", "--model", checkpoint.Path, "--attention-workers", "2");
        var workers = await AttentionWorkerMetricsAsync(cluster);
        Assert.Equal(2, workers.Count);

        using var disconnect = new CancellationTokenSource();
        var started = Enumerable.Range(0, Streams).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var streams = Enumerable.Range(0, Streams).Select(i => ReadUntilCancelledAsync(cluster.Http, [1 + i, 2 + i], started[i], disconnect.Token)).ToArray();
        await Task.WhenAll(started.Select(s => s.Task)).WaitAsync(Timeout);
        // Both workers hold some of the sequences: the router spreads them.
        foreach (var metrics in workers)
            Assert.True(await RunningAsync(cluster.Http, metrics) > 0, $"{metrics} holds no sequence");

        await disconnect.CancelAsync();
        await Task.WhenAll(streams);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        foreach (var metrics in workers)
        {
            while (await RunningAsync(cluster.Http, metrics) > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{metrics} still runs sequences whose clients left");
                await Task.Delay(100);
            }
        }
    }

    private static async Task<List<Uri>> AttentionWorkerMetricsAsync(ClusterUnderTest cluster)
    {
        var (status, health) = await RouterApi.GetAsync(cluster.Http, "/health");
        Assert.Equal(200, status);
        return [.. health["metrics"]!.AsArray()
            .Where(target => ((string)target!["process"]!).StartsWith("attention worker", StringComparison.Ordinal))
            .Select(target => new Uri((string)target!["url"]!))];
    }

    /// <summary>kimi_num_requests_running as the worker exports it now.</summary>
    private static async Task<double> RunningAsync(HttpClient http, Uri metrics)
    {
        string text = await http.GetStringAsync(metrics);
        var match = RunningGauge().Match(text);
        Assert.True(match.Success, $"no kimi_num_requests_running in {metrics}");
        return double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a long stream until <paramref name="disconnect"/> fires, then drops the connection.</summary>
    private static async Task ReadUntilCancelledAsync(HttpClient http, int[] prompt, TaskCompletionSource started, CancellationToken disconnect)
    {
        var body = new { prompt, max_tokens = MaxTokens, temperature = 0, ignore_eos = true, stream = true };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(body) };
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, disconnect);
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(disconnect));
            while (await reader.ReadLineAsync(disconnect) is not null)
                started.TrySetResult();
        }
        catch (OperationCanceledException) when (disconnect.IsCancellationRequested)
        {
            // The client went away, as the test means it to.
        }
    }

    [GeneratedRegex(@"(?m)^kimi_num_requests_running(?:\{[^}]*\})? ([0-9.eE+-]+)")]
    private static partial Regex RunningGauge();
}
