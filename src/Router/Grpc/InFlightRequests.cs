using System.Collections.Concurrent;

namespace Kimi.Cluster.Router.Grpc;

/// <summary>
/// Owns the gRPC Generate calls in flight by request id, so that Abort can cancel one. Each entry's
/// token is linked to its call's own cancellation (client gone, deadline).
/// </summary>
public sealed class InFlightRequests
{
    private readonly ConcurrentDictionary<string, Entry> _requests = new(StringComparer.Ordinal);

    public int Count => _requests.Count;

    /// <summary>Registers <paramref name="requestId"/>; null when a request with that id is already in flight.</summary>
    public Entry? TryRegister(string requestId, CancellationToken callCancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        var entry = new Entry(this, requestId, callCancellation);
        if (_requests.TryAdd(requestId, entry))
            return entry;
        entry.Source.Dispose();
        return null;
    }

    /// <summary>
    /// Cancels the request in flight with this id and forgets it at once (the client may see its
    /// call end before the call's own cleanup has run, and an abort after that finds nothing);
    /// false when there is none.
    /// </summary>
    public bool Abort(string requestId)
    {
        if (!_requests.TryRemove(requestId, out var entry))
            return false;
        return entry.Abort();
    }

    private void Remove(Entry entry) => _requests.TryRemove(KeyValuePair.Create(entry.RequestId, entry));

    /// <summary>One registered request; disposing it unregisters it.</summary>
    public sealed class Entry : IDisposable
    {
        private readonly InFlightRequests _owner;
        private int _aborted;

        internal Entry(InFlightRequests owner, string requestId, CancellationToken callCancellation)
        {
            _owner = owner;
            RequestId = requestId;
            Source = CancellationTokenSource.CreateLinkedTokenSource(callCancellation);
        }

        public string RequestId { get; }

        /// <summary>Cancelled by Abort or by the call's own cancellation.</summary>
        public CancellationToken Token => Source.Token;

        /// <summary>True once Abort cancelled this request (rather than the client or its deadline).</summary>
        public bool WasAborted => Volatile.Read(ref _aborted) == 1;

        internal CancellationTokenSource Source { get; }

        internal bool Abort()
        {
            Interlocked.Exchange(ref _aborted, 1);
            try
            {
                Source.Cancel();
                return true;
            }
            catch (ObjectDisposedException)
            {
                // Finished between the lookup and the cancel: nothing was in flight any more.
                return false;
            }
        }

        public void Dispose()
        {
            _owner.Remove(this);
            Source.Dispose();
        }
    }
}
