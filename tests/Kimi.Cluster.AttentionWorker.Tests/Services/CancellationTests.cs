using Grpc.Core;
using Kimi.Cluster.AttentionWorker.Tests.Support;

namespace Kimi.Cluster.AttentionWorker.Tests.Services;

/// <summary>Cancelling a Generate call must reach the engine's request, so the sequence leaves the scheduler and the engine.</summary>
public sealed class CancellationTests : IAsyncLifetime
{
    // Every step waits for the test: a free-running stand-in could finish all its tokens before the
    // cancellation crosses the wire, and the request would complete instead of being cancelled.
    private readonly CountingBatchGenerator _generator = new() { HoldEveryStep = true };
    private WorkerServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkerServer.StartAsync(_generator);

    public async Task DisposeAsync()
    {
        _generator.ReleaseOneStep();
        await _server.DisposeAsync();
        _generator.Dispose();
    }

    [Fact]
    public async Task Generate_CancelsTheEngineRequest_WhenTheCallIsCancelled()
    {
        using var caller = new CancellationTokenSource();
        var call = Calls.GenerateAllAsync(_server.Client, Calls.Greedy(50, 10), caller.Token);
        Assert.True(_generator.Holding.Wait(TimeSpan.FromSeconds(10)));

        await caller.CancelAsync();
        var engineRequest = Assert.Single(_generator.Added);
        var cancelled = _generator.WhenCancelled(engineRequest);
        // One step at a time until the cancellation has crossed the wire and the batcher, folding
        // it in before its next step, has told the engine.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!cancelled.IsCompleted)
        {
            _generator.ReleaseOneStep();
            await Task.WhenAny(cancelled, _generator.WaitForHeldStepAsync(timeout.Token));
            timeout.Token.ThrowIfCancellationRequested();
        }
        Assert.True(_generator.BatchSizes.Count < 50, "the request ran to completion instead of being cancelled");
        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }
}
