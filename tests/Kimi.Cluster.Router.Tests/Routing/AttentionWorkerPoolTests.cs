using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Routing;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kimi.Cluster.Router.Tests.Routing;

/// <summary>The pool against in-process fake workers: failover, model check, timeout, and both kinds of 429.</summary>
public sealed class AttentionWorkerPoolTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private FakeAttentionWorker _a = null!;
    private FakeAttentionWorker _b = null!;

    public async Task InitializeAsync()
    {
        _a = await FakeAttentionWorker.StartAsync();
        _b = await FakeAttentionWorker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static Task<AttentionWorkerPool> PoolAsync(RouterLimits limits, params FakeAttentionWorker[] workers) =>
        PoolAsync(limits, NullLoggerFactory.Instance, workers);

    private static async Task<AttentionWorkerPool> PoolAsync(RouterLimits limits, ILoggerFactory loggers, params FakeAttentionWorker[] workers)
    {
        var options = new RouterHostOptions([.. workers.Select(w => w.Address)], "127.0.0.1", 0) { Limits = limits };
        var pool = new AttentionWorkerPool(options, loggers, TimeProvider.System);
        await pool.GetModelInfoAsync(Wait, CancellationToken.None);
        return pool;
    }

    private static GenerateRequest Request()
    {
        var request = new GenerateRequest { RequestId = Guid.NewGuid().ToString("N"), MaxTokens = 3 };
        request.PromptTokenIds.AddRange([1, 2, 3]);
        return request;
    }

    private static async Task<List<int>> TokensAsync(AttentionWorkerPool pool, CancellationToken cancellation = default)
    {
        var tokens = new List<int>();
        await foreach (var response in pool.GenerateAsync(Request(), cancellation))
            tokens.AddRange(response.Tokens.Select(t => t.TokenId));
        return tokens;
    }

    [Fact]
    public async Task GenerateAsync_SpreadsRequestsOverTheWorkersAndReleasesTheirLoad()
    {
        await using var pool = await PoolAsync(new RouterLimits(), _a, _b);

        for (int i = 0; i < 4; i++)
            Assert.Equal([1, 2, 3], await TokensAsync(pool));

        Assert.Equal(2, _a.GenerateCalls);
        Assert.Equal(2, _b.GenerateCalls);
        Assert.All(pool.Status(), status => Assert.Equal((0L, 0, 2L), (status.OutstandingTokens, status.InFlight, status.Routed)));
    }

    [Fact]
    public async Task GenerateAsync_FailsOverBeforeTheFirstTokenAndMarksTheWorkerDown_WhenAWorkerIsUnavailable()
    {
        await using var pool = await PoolAsync(new RouterLimits(), _a, _b);
        _a.Behavior = FakeBehavior.Unavailable; // after its model check; the pool's probes (every 2 s) now fail too

        for (int i = 0; i < 3; i++)
            Assert.Equal([1, 2, 3], await TokensAsync(pool));

        Assert.Equal(1, _a.GenerateCalls); // tried once, then skipped during its backoff
        Assert.Equal(3, _b.GenerateCalls);
        Assert.False(pool.Status()[0].Ready);
        Assert.True(pool.Status()[1].Ready);
    }

    /// <summary>
    /// A worker lost after two tokens: the generation goes on on the other worker from the streamed
    /// tokens (prompt plus them, counted as generated, max_tokens reduced), and the caller sees one
    /// stream with nothing repeated or missing and the original prompt's size.
    /// </summary>
    [Fact]
    public async Task GenerateAsync_ResumesOnAnotherWorkerFromTheStreamedTokens_WhenAWorkerIsLostMidStream()
    {
        _a.Behavior = _b.Behavior = FakeBehavior.LosesFreshGenerations;
        await using var pool = await PoolAsync(new RouterLimits(), _a, _b);

        var responses = new List<GenerateResponse>();
        await foreach (var response in pool.GenerateAsync(Request(), CancellationToken.None))
            responses.Add(response);

        Assert.Equal([1, 2, 3], responses.SelectMany(r => r.Tokens).Select(t => t.TokenId));
        Assert.Equal(FinishReason.Length, responses[^1].FinishReason);
        Assert.All(responses.Where(r => r.PromptTokens != 0), r => Assert.Equal(3u, r.PromptTokens));
        var resumed = Assert.Single(_a.Requests.Concat(_b.Requests), r => r.GeneratedTokens > 0);
        Assert.Equal([1, 2, 3, 1, 2], resumed.PromptTokenIds);
        Assert.Equal((2u, 1u), (resumed.GeneratedTokens, resumed.MaxTokens));
        Assert.Equal(1, pool.Status().Count(s => !s.Ready)); // the lost worker is skipped for a while
    }

    /// <summary>A worker that goes silent after a token counts as lost once the stall timeout passes: the generation resumes elsewhere.</summary>
    [Fact]
    public async Task GenerateAsync_GivesUpTheWorkerAndResumesTheGeneration_WhenAWorkerIsSilentPastTheStallTimeout()
    {
        _a.Behavior = _b.Behavior = FakeBehavior.StallsFreshGenerations;
        var log = new RecordingLogger();
        await using var pool = await PoolAsync(new RouterLimits { StallTimeout = TimeSpan.FromSeconds(1) }, new RecordingLoggers(log), _a, _b);

        var tokens = await TokensAsync(pool).WaitAsync(Wait);

        Assert.Equal([1, 2, 3], tokens);
        var resumed = Assert.Single(_a.Requests.Concat(_b.Requests), r => r.GeneratedTokens > 0);
        Assert.Equal((1u, 2u), (resumed.GeneratedTokens, resumed.MaxTokens));
        // Given up for its silence and marked down. Read from the log, not the status: the fake still
        // answers the probes of workers in backoff (every 2 s), which may have ended its backoff already.
        Assert.Single(log.Messages, m => m.Contains("skipped for a while: the attention worker was given up: it sent nothing for 1 s", StringComparison.Ordinal));
    }

    private sealed class RecordingLoggers(RecordingLogger logger) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task GenerateAsync_GivesUpTheWorkerLongBeforeTheStallTimeout_WhenItStopsAnsweringHealthChecks()
    {
        _a.Behavior = _b.Behavior = FakeBehavior.StallsFreshGenerations;
        var limits = new RouterLimits { StallTimeout = TimeSpan.FromMinutes(5), HealthTimeout = TimeSpan.FromMilliseconds(200) };
        await using var pool = await PoolAsync(limits, _a, _b);
        var generation = TokensAsync(pool);
        await Task.WhenAny(_a.FirstCall, _b.FirstCall).WaitAsync(Wait);
        // The worker that took the call freezes: its stream stays open, its health checks go unanswered.
        (_a.GenerateCalls > 0 ? _a : _b).Frozen = true;

        // Finishing at all within Wait (10 s) is the point: the stall timeout alone would take 5 minutes.
        var tokens = await generation.WaitAsync(Wait);

        Assert.Equal([1, 2, 3], tokens);
        Assert.Single(_a.Requests.Concat(_b.Requests), r => r.GeneratedTokens > 0);
        Assert.Equal(1, pool.Status().Count(s => !s.Ready));
    }

    [Fact]
    public async Task GenerateAsync_EndsWith503NamingTheLoss_WhenTheGenerationLosesEveryWorker()
    {
        _a.Behavior = _b.Behavior = FakeBehavior.LosesEveryGeneration;
        await using var pool = await PoolAsync(new RouterLimits(), _a, _b);
        var request = Request();
        request.MaxTokens = 20;
        var tokens = new List<int>();

        var error = await Assert.ThrowsAsync<ApiException>(async () =>
        {
            await foreach (var response in pool.GenerateAsync(request, CancellationToken.None))
                tokens.AddRange(response.Tokens.Select(t => t.TokenId));
        });

        Assert.Equal(503, error.StatusCode);
        Assert.Contains("died mid-stream", error.Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3, 4], tokens); // two from each worker, none repeated
    }

    [Fact]
    public async Task GenerateAsync_Returns503_WhenEveryWorkerIsUnavailable()
    {
        await using var pool = await PoolAsync(new RouterLimits(), _a, _b);
        _a.Behavior = _b.Behavior = FakeBehavior.Unavailable;

        var error = await Assert.ThrowsAsync<ApiException>(() => TokensAsync(pool));
        Assert.Equal(503, error.StatusCode);
        Assert.Contains("no attention worker is ready", error.Message, StringComparison.Ordinal);

        error = await Assert.ThrowsAsync<ApiException>(() => TokensAsync(pool));
        Assert.Equal("no attention worker is ready", error.Message);
    }

    [Fact]
    public async Task GenerateAsync_Returns429WithRetryAfter_WhenTheWorkersQueuesAreFull()
    {
        _a.Behavior = _b.Behavior = FakeBehavior.Exhausted;
        await using var pool = await PoolAsync(new RouterLimits(), _a, _b);

        var error = await Assert.ThrowsAsync<ApiException>(() => TokensAsync(pool));

        Assert.Equal(429, error.StatusCode);
        Assert.Equal("queue_full", error.Code);
        Assert.NotNull(error.RetryAfter);
        Assert.Equal((1, 1), (_a.GenerateCalls, _b.GenerateCalls)); // both were tried
    }

    [Fact]
    public async Task Pool_ShowsHowFarTheWorkerGotAndRoutesToItOnceLoaded_WhenAWorkerIsLoadingItsWeights()
    {
        _a.Loading = new WeightLoad { Tensors = 3, TotalTensors = 10, Bytes = 300_000_000, TotalBytes = 1_000_000_000, ElapsedMs = 1000 };
        var options = new RouterHostOptions([_a.Address], "127.0.0.1", 0);
        await using var pool = new AttentionWorkerPool(options, NullLoggerFactory.Instance, TimeProvider.System);

        var error = await Assert.ThrowsAsync<ApiException>(() => pool.GetModelInfoAsync(Wait, CancellationToken.None));
        Assert.Equal(503, error.StatusCode);
        Assert.Contains("is loading its weights: 3/10 tensors, 0.30/1.00 GB (30%)", error.Message, StringComparison.Ordinal);
        var status = Assert.Single(pool.Status());
        Assert.False(status.Ready);
        Assert.Equal(30.0, status.Loading?.Percent);

        _a.Loading = null;
        Assert.Equal("fake-model", (await pool.GetModelInfoAsync(Wait, CancellationToken.None)).ModelId);
        Assert.Equal([1, 2, 3], await TokensAsync(pool));
        Assert.Null(Assert.Single(pool.Status()).Loading);
    }

    [Fact]
    public async Task GenerateAsync_NeverUsesAWorker_WhenItServesAnotherModel()
    {
        await using var other = await FakeAttentionWorker.StartAsync("another-model");
        await using var pool = await PoolAsync(new RouterLimits(), _a, other);

        for (int i = 0; i < 3; i++)
            await TokensAsync(pool);

        Assert.Equal(0, other.GenerateCalls);
        Assert.False(pool.Status()[1].Ready);
    }

    [Fact]
    public async Task GenerateAsync_Returns504_WhenTheGenerationRunsPastTheRequestTimeout()
    {
        _a.Behavior = FakeBehavior.Hang;
        await using var pool = await PoolAsync(new RouterLimits { RequestTimeout = TimeSpan.FromMilliseconds(300) }, _a);

        var error = await Assert.ThrowsAsync<ApiException>(() => TokensAsync(pool)).WaitAsync(Wait);

        Assert.Equal(504, error.StatusCode);
        Assert.Equal(0, pool.Status()[0].InFlight);
    }

    [Fact]
    public async Task GenerateAsync_RefusesWith429BeyondTheRoutersQueueAndLetsACancelledWaiterLeave()
    {
        _a.Behavior = FakeBehavior.Hang;
        await using var pool = await PoolAsync(new RouterLimits { MaxConcurrentRequests = 1, MaxQueuedRequests = 1 }, _a);
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();
        var running = TokensAsync(pool, first.Token);
        await _a.FirstCall.WaitAsync(Wait); // the pool leases the worker before it calls it
        Assert.Equal(1, pool.Status()[0].InFlight);
        var waiting = TokensAsync(pool, second.Token);

        var refused = await Assert.ThrowsAsync<ApiException>(() => TokensAsync(pool));
        Assert.Equal(429, refused.StatusCode);
        Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1));

        await second.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Wait));
        _a.Behavior = FakeBehavior.Generate;
        var admitted = TokensAsync(pool); // the queue has room again
        await first.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Wait));
        Assert.Equal([1, 2, 3], await admitted.WaitAsync(Wait));
    }
}
