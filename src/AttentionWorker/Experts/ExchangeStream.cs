using System.Collections.Concurrent;
using Grpc.Core;
using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// One open Exchange call to an expert worker: batches go out on its request stream, and a
/// reader matches each answer to its call id. When the stream ends or fails, every call
/// still waiting fails with the reason, and the stream is done (the connection opens another).
/// </summary>
public sealed class ExchangeStream : IDisposable
{
    private readonly AsyncDuplexStreamingCall<ExpertBatch, ExpertPartials> _call;
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<ExpertPartials>> _waiting = new();
    private readonly DataPlaneCounters _counters;
    private readonly string _endpoint;
    private volatile Exception? _broken;

    public ExchangeStream(ExpertDataPlane.ExpertDataPlaneClient client, string endpoint, DataPlaneCounters counters)
    {
        ArgumentNullException.ThrowIfNull(client);
        _endpoint = endpoint;
        _counters = counters;
        _call = client.Exchange();
        _ = ReadAsync();
    }

    public bool IsBroken => _broken is not null;

    /// <summary>Registers the answer to wait for before the batch goes out, so a fast answer is never missed.</summary>
    public Task<ExpertPartials> Expect(ulong callId)
    {
        var answer = new TaskCompletionSource<ExpertPartials>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[callId] = answer;
        if (_broken is { } reason)
            Fail(reason);
        return answer.Task;
    }

    public void Forget(ulong callId) => _waiting.TryRemove(callId, out _);

    /// <summary>Not thread-safe: the connection serialises writers.</summary>
    public async Task WriteAsync(ExpertBatch batch, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await _call.RequestStream.WriteAsync(batch, cancellation);
        _counters.BatchSent(batch.CalculateSize(), batch.Hidden.Length, batch.PairsPerToken.Count, batch.ExpertIds.Count);
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var partials in _call.ResponseStream.ReadAllAsync())
            {
                _counters.PartialsReceived(partials.CalculateSize(), partials.PartialSums.Length);
                // An answer nobody waits for belongs to a call that timed out: drop it.
                if (_waiting.TryRemove(partials.CallId, out var answer))
                    answer.TrySetResult(partials);
            }
            Break(new RpcException(new Status(StatusCode.Unavailable, $"expert worker {_endpoint} ended the exchange stream")));
        }
        catch (Exception error)
        {
            Break(error);
        }
    }

    /// <summary>Ends the stream: every waiting call fails with <paramref name="reason"/>.</summary>
    public void Break(Exception reason)
    {
        _broken ??= reason;
        Fail(_broken);
        _call.Dispose(); // cancels the call if it is still open
    }

    private void Fail(Exception reason)
    {
        foreach (ulong callId in _waiting.Keys)
        {
            if (_waiting.TryRemove(callId, out var answer))
                answer.TrySetException(reason);
        }
    }

    public void Dispose() => Break(new ObjectDisposedException(nameof(ExchangeStream), $"the exchange stream to {_endpoint} was closed"));
}
