using Grpc.Core;
using Kimi.Cluster.AttentionWorker.Tests.Support;

namespace Kimi.Cluster.AttentionWorker.Tests.Services;

/// <summary>Cancelling a Generate call must reach the engine's request, so the sequence leaves the scheduler and the engine.</summary>
public sealed class CancellationTests : IAsyncLifetime
{
    private readonly CountingBatchGenerator _generator = new(startOpen: false);
    private WorkerServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkerServer.StartAsync(_generator);

    public async Task DisposeAsync()
    {
        _generator.Release();
        await _server.DisposeAsync();
        _generator.Dispose();
    }

    [Fact]
    public async Task Cancelling_the_call_cancels_the_engine_request()
    {
        using var caller = new CancellationTokenSource();
        var call = Calls.GenerateAllAsync(_server.Client, Calls.Greedy(50, 1), caller.Token);
        Assert.True(_generator.Holding.Wait(TimeSpan.FromSeconds(10)));

        await caller.CancelAsync();
        // The engine drops the request's state once the step in flight is over.
        _generator.Release();

        var engineRequest = Assert.Single(_generator.Added);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!_generator.Cancelled.Contains(engineRequest))
            await Task.Delay(20, timeout.Token);
        var error = await Assert.ThrowsAsync<RpcException>(() => call);
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
    }
}
