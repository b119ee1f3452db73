using Kimi.Cluster.Launch;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>`serve` in front of a worker that something else started (here: the router's own launcher, in-process).</summary>
[Trait("Needs", "Processes")]
public sealed class ServeCommandTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Serve_FrontsAnAlreadyRunningWorker()
    {
        var attention = WorkerProgram.Attention;
        var spec = new WorkerProcessSpec(attention.Name, WorkerLocator.Resolve(attention, null),
            WorkerArguments.Attention(null, null, null), attention.ReadyPrefix, StartTimeout, attention.StopTimeout);
        await using var worker = await WorkerProcess.StartAsync(spec, NullLogger.Instance, CancellationToken.None);
        await using var router = RouterProcess.Start("serve", "--attention-worker-url", worker.Address.ToString(), "--port", "0");
        using var http = new HttpClient { BaseAddress = await router.WaitUntilReadyAsync(StartTimeout) };

        var (modelsStatus, models) = await RouterApi.GetAsync(http, "/v1/models");
        var (status, completion) = await RouterApi.PostAsync(http, "/v1/completions",
            new { prompt = new[] { 1, 2, 3 }, max_tokens = 3, temperature = 0, ignore_eos = true, return_tokens_as_token_ids = true });

        Assert.Equal(200, modelsStatus);
        Assert.Equal("kimi-tiny", (string?)models["data"]![0]!["id"]);
        Assert.True(status == 200, completion.ToJsonString());
        Assert.Equal(3, GreedyReference.TokenIds((string)completion["choices"]![0]!["text"]!).Count);
    }
}
