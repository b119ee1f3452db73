using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Routing;

namespace Kimi.Cluster.Router.Tests.Routing;

public sealed class AdmissionQueueTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private sealed class Token(string name, List<string> disposed) : IDisposable
    {
        public string Name { get; } = name;

        public void Dispose() => disposed.Add(Name);
    }

    private readonly List<string> _disposed = [];

    private Func<Token> Named(string name) => () => new Token(name, _disposed);

    [Fact]
    public async Task Waiters_AreAdmittedInFifoOrder_AsPlacesFree()
    {
        await using var queue = new AdmissionQueue<Token>(new AdmissionOptions(1, 10), TimeProvider.System);
        var running = await queue.EnterAsync(Named("a"), CancellationToken.None).WaitAsync(Wait);
        var b = queue.EnterAsync(Named("b"), CancellationToken.None);
        var c = queue.EnterAsync(Named("c"), CancellationToken.None);
        Assert.False(b.IsCompleted);

        running.Dispose();
        var second = await b.WaitAsync(Wait);
        Assert.False(c.IsCompleted);
        second.Dispose();
        var third = await c.WaitAsync(Wait);

        Assert.Equal("b", second.Value.Name);
        Assert.Equal("c", third.Value.Name);
        Assert.Equal(["a", "b"], _disposed);
    }

    [Fact]
    public async Task EnterAsync_RefusesWith429AndRetryAfter_WhenTheQueueIsFull()
    {
        await using var queue = new AdmissionQueue<Token>(new AdmissionOptions(1, 1), TimeProvider.System);
        using var running = await queue.EnterAsync(Named("a"), CancellationToken.None).WaitAsync(Wait);
        _ = queue.EnterAsync(Named("b"), CancellationToken.None);

        var error = await Assert.ThrowsAsync<ApiException>(() => queue.EnterAsync(Named("c"), CancellationToken.None));

        Assert.Equal(429, error.StatusCode);
        Assert.Equal("rate_limit_error", error.Type);
        Assert.Equal("queue_full", error.Code);
        Assert.True(error.RetryAfter >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task EnterAsync_LeavesTheQueueAndIsNeverDispatched_WhenTheWaiterIsCancelled()
    {
        await using var queue = new AdmissionQueue<Token>(new AdmissionOptions(1, 1), TimeProvider.System);
        var running = await queue.EnterAsync(Named("a"), CancellationToken.None).WaitAsync(Wait);
        using var leaving = new CancellationTokenSource();
        var b = queue.EnterAsync(Named("b"), leaving.Token);

        await leaving.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.WaitAsync(Wait));
        Assert.Equal(0, queue.Queued);
        var c = queue.EnterAsync(Named("c"), CancellationToken.None); // its place is free again
        running.Dispose();
        Assert.Equal("c", (await c.WaitAsync(Wait)).Value.Name);
    }

    [Fact]
    public async Task EnterAsync_FailsTheWaiterAndFreesThePlace_WhenTheDispatchFails()
    {
        await using var queue = new AdmissionQueue<Token>(new AdmissionOptions(1, 0), TimeProvider.System);

        var error = await Assert.ThrowsAsync<ApiException>(() => queue.EnterAsync(
            () => throw ApiException.Unavailable("no attention worker is ready"), CancellationToken.None).WaitAsync(Wait));

        Assert.Equal(503, error.StatusCode);
        using var next = await queue.EnterAsync(Named("b"), CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(1, queue.Running);
    }

    [Fact]
    public async Task EnterAsync_RunsUpToMaxConcurrentAtOnce()
    {
        await using var queue = new AdmissionQueue<Token>(new AdmissionOptions(3, 5) { DispatchBatch = 2 }, TimeProvider.System);

        var entered = Enumerable.Range(0, 5).Select(i => queue.EnterAsync(Named($"{i}"), CancellationToken.None)).ToArray();
        var first = await Task.WhenAll(entered.Take(3)).WaitAsync(Wait);

        Assert.Equal(3, queue.Running);
        Assert.Equal(2, queue.Queued);
        Assert.All(entered.Skip(3), task => Assert.False(task.IsCompleted));
        foreach (var ticket in first)
            ticket.Dispose();
        await Task.WhenAll(entered.Skip(3)).WaitAsync(Wait);
    }
}
