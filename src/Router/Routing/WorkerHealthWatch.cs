using Grpc.Core;
using Grpc.Health.V1;

namespace Kimi.Cluster.Router.Routing;

/// <summary>
/// Watches the health of the attention workers that have calls running: every second each is
/// asked over gRPC health, and one that fails to answer within the health timeout
/// <see cref="FailuresToLose"/> times in a row counts as lost (a frozen process or a network that
/// drops packets keeps its connection open, so its streams would only stall). Its running calls
/// see <see cref="LostToken"/> fire and resume on other workers. A worker that answers at all,
/// even NOT_SERVING (it is draining, and its streams go on), is not lost.
/// </summary>
public sealed class WorkerHealthWatch : IAsyncDisposable
{
    /// <summary>Unanswered health checks in a row after which a worker counts as lost.</summary>
    public const int FailuresToLose = 2;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly Func<int, Health.HealthClient> _client;
    private readonly Func<int, bool> _hasCalls;
    private readonly Action<int, string> _lost;
    private readonly TimeSpan _timeout;
    private readonly CancellationTokenSource[] _lostTokens;
    private readonly int[] _failures;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="lost">Told (worker, reason) when a worker counts as lost, before its calls are.</param>
    public WorkerHealthWatch(int workers, Func<int, Health.HealthClient> client, Func<int, bool> hasCalls, TimeSpan timeout, Action<int, string> lost)
    {
        _client = client;
        _hasCalls = hasCalls;
        _timeout = timeout;
        _lost = lost;
        _lostTokens = [.. Enumerable.Range(0, workers).Select(_ => new CancellationTokenSource())];
        _failures = new int[workers];
        _loop = Task.Run(WatchAsync);
    }

    /// <summary>Cancelled when <paramref name="worker"/> is found lost; calls started after that get a fresh token.</summary>
    public CancellationToken LostToken(int worker) => Volatile.Read(ref _lostTokens[worker]).Token;

    private async Task WatchAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
                await Task.WhenAll(Enumerable.Range(0, _failures.Length).Where(_hasCalls).Select(CheckAsync));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private async Task CheckAsync(int worker)
    {
        try
        {
            await _client(worker).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + _timeout, cancellationToken: _stop.Token);
            _failures[worker] = 0;
        }
        catch (RpcException error) when (error.StatusCode is not (StatusCode.DeadlineExceeded or StatusCode.Unavailable))
        {
            _failures[worker] = 0; // it answered, if only to refuse: not lost
        }
        catch (RpcException error) when (!_stop.IsCancellationRequested)
        {
            if (++_failures[worker] < FailuresToLose)
                return;
            _failures[worker] = 0;
            string reason = $"the attention worker did not answer {FailuresToLose} health checks in a row within {_timeout.TotalSeconds:0.###} s ({error.Status.StatusCode})";
            _lost(worker, reason);
            // Its running calls give it up; later calls start with a fresh token.
            // (The old source is not disposed: a call may still be about to read its token.)
            var lost = Interlocked.Exchange(ref _lostTokens[worker], new CancellationTokenSource());
            await lost.CancelAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        foreach (var token in _lostTokens)
            token.Dispose();
        _stop.Dispose();
    }
}
