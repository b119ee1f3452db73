using Grpc.Core;
using Grpc.Health.V1;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// SIGTERM drains an attention worker: the generations it is streaming run to their last token,
/// health turns NOT_SERVING, a new call is refused UNAVAILABLE (the router's cue to fail over),
/// and the process exits 0.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class AttentionWorkerShutdownTests
{
    private const int MaxTokens = 1000; // the built-in tiny model's context is 1024
    private const int Generations = 16;
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sigterm_FinishesTheRunningGenerationsRefusesNewOnesAndExits0()
    {
        await using var worker = await AttentionWorkerProcess.StartAsync("--port", "0", "--drain-timeout", "60");
        // Several long generations, so the drain outlasts the checks below however fast decoding is.
        var running = Enumerable.Range(0, Generations).Select(_ => worker.Client.Generate(Greedy(MaxTokens))).ToArray();
        var tokens = new int[Generations];
        for (int i = 0; i < Generations; i++)
        {
            Assert.True(await running[i].ResponseStream.MoveNext(), "a generation ended before its first token");
            tokens[i] = running[i].ResponseStream.Current.Tokens.Count;
        }

        await Signals.TerminateAsync(worker.Pid);
        await WaitUntilNotServingAsync(worker);
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var late = worker.Client.Generate(Greedy(4));
            while (await late.ResponseStream.MoveNext())
            {
            }
        });
        var finishes = new FinishReason[Generations];
        for (int i = 0; i < Generations; i++)
        {
            var stream = running[i].ResponseStream;
            var last = stream.Current;
            while (await stream.MoveNext())
            {
                last = stream.Current;
                tokens[i] += last.Tokens.Count;
            }
            finishes[i] = last.FinishReason;
            running[i].Dispose();
        }

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("shutting down", refused.Status.Detail, StringComparison.Ordinal);
        Assert.All(finishes, finish => Assert.Equal(FinishReason.Length, finish));
        Assert.All(tokens, count => Assert.Equal(MaxTokens, count));
        Assert.True(await worker.WaitForExitAsync(ExitTimeout) == 0, $"the worker's output:{Environment.NewLine}{worker.Output}");
        // The signal came while the generations ran, not after them: the drain had them to wait for.
        Assert.Matches("draining [1-9][0-9]* running generations", worker.Output);
        Assert.Contains("Drained", worker.Output, StringComparison.Ordinal);
    }

    private static GenerateRequest Greedy(int maxTokens)
    {
        var request = new GenerateRequest { MaxTokens = (uint)maxTokens, IgnoreEos = true, Sampling = new SamplingOptions { Temperature = 0, TopP = 1 } };
        request.PromptTokenIds.Add([1, 5, 9]);
        return request;
    }

    /// <summary>
    /// Health turns NOT_SERVING when draining starts (the generation is still running then): the
    /// health service's Watch stream reports the change as it happens.
    /// </summary>
    private static async Task WaitUntilNotServingAsync(AttentionWorkerProcess worker)
    {
        using var timeout = new CancellationTokenSource(ExitTimeout);
        using var watch = new Health.HealthClient(worker.Channel).Watch(new HealthCheckRequest(), cancellationToken: timeout.Token);
        await foreach (var status in watch.ResponseStream.ReadAllAsync(timeout.Token))
        {
            if (status.Status == HealthCheckResponse.Types.ServingStatus.NotServing)
                return;
        }
        Assert.Fail("the health watch ended before NOT_SERVING");
    }
}
