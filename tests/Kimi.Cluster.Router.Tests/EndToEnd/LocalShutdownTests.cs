using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// `local` stops gracefully on SIGTERM, as Kubernetes and systemd stop it: the router finishes the
/// requests it is serving, then sends each worker SIGTERM, so the attention worker drains and the
/// expert worker leaves its cluster before they exit; SIGKILL is only for a worker past its stop timeout.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class LocalShutdownTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Sigterm_LetsTheRunningRequestFinishThenStopsEveryWorkerWithSigterm()
    {
        await using var router = RouterProcess.Start("local", "--port", "0", "--expert-workers", "1");
        using var http = new HttpClient { BaseAddress = await router.WaitUntilReadyAsync(StartTimeout), Timeout = ExitTimeout };
        var running = RouterApi.PostAsync(http, "/v1/completions",
            new { prompt = new[] { 1, 2, 3 }, max_tokens = 1000, temperature = 0, ignore_eos = true, return_tokens_as_token_ids = true });
        await WaitUntilInFlightAsync(http);

        await Signals.TerminateAsync(router.Pid);
        var (status, completion) = await running;

        Assert.True(status == 200, completion.ToJsonString());
        Assert.Equal(1000, GreedyReference.TokenIds((string)completion["choices"]![0]!["text"]!).Count);
        Assert.Equal(0, await router.WaitForExitAsync(ExitTimeout));
        Assert.Contains("The attention worker stopped with code 0", router.Output, StringComparison.Ordinal);
        Assert.Contains("The expert worker 0 stopped with code 0", router.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("killing it", router.Output, StringComparison.Ordinal);
    }

    /// <summary>The router's /health counts each attention worker's generations in flight.</summary>
    private static async Task WaitUntilInFlightAsync(HttpClient http)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        while (true)
        {
            timeout.Token.ThrowIfCancellationRequested();
            var (_, health) = await RouterApi.GetAsync(http, "/health");
            if ((int)health["attention_workers"]![0]!["in_flight"]! > 0)
                return;
        }
    }
}
