namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// What this worker has put on and taken off the data plane since it started. Written by the
/// transport from several connections at once (Interlocked), read by GetStats.
/// </summary>
public sealed class DataPlaneCounters
{
    /// <summary>gRPC puts a 5-byte prefix (compressed flag, length) before every message.</summary>
    public const int GrpcMessagePrefixBytes = 5;

    private long _layerExchanges;
    private long _expertBatches;
    private long _routedTokenWorkers;
    private long _routedTokenExperts;
    private long _bytesSent;
    private long _bytesReceived;
    private long _activationBytesSent;
    private long _activationBytesReceived;
    private long _failovers;
    private int _hiddenSize;

    public long LayerExchanges => Interlocked.Read(ref _layerExchanges);
    public long ExpertBatches => Interlocked.Read(ref _expertBatches);
    public long RoutedTokenWorkers => Interlocked.Read(ref _routedTokenWorkers);
    public long RoutedTokenExperts => Interlocked.Read(ref _routedTokenExperts);
    public long BytesSent => Interlocked.Read(ref _bytesSent);
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);
    public long ActivationBytesSent => Interlocked.Read(ref _activationBytesSent);
    public long ActivationBytesReceived => Interlocked.Read(ref _activationBytesReceived);
    public long Failovers => Interlocked.Read(ref _failovers);

    /// <summary>The width of the activation rows sent (0 before the first exchange).</summary>
    public int HiddenSize => Volatile.Read(ref _hiddenSize);

    public void LayerExchanged(int hiddenSize)
    {
        Interlocked.Increment(ref _layerExchanges);
        Volatile.Write(ref _hiddenSize, hiddenSize);
    }

    /// <summary>One ExpertBatch written: <paramref name="messageBytes"/> is its serialized size.</summary>
    public void BatchSent(int messageBytes, int activationBytes, int tokens, int pairs)
    {
        Interlocked.Increment(ref _expertBatches);
        Interlocked.Add(ref _routedTokenWorkers, tokens);
        Interlocked.Add(ref _routedTokenExperts, pairs);
        Interlocked.Add(ref _bytesSent, messageBytes + GrpcMessagePrefixBytes);
        Interlocked.Add(ref _activationBytesSent, activationBytes);
    }

    /// <summary>One ExpertPartials read: <paramref name="messageBytes"/> is its serialized size.</summary>
    public void PartialsReceived(int messageBytes, int activationBytes)
    {
        Interlocked.Add(ref _bytesReceived, messageBytes + GrpcMessagePrefixBytes);
        Interlocked.Add(ref _activationBytesReceived, activationBytes);
    }

    public void FailedOver() => Interlocked.Increment(ref _failovers);
}
