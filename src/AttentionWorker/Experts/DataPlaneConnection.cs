using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// This worker's link to one expert worker's data plane: one channel and one long-lived Exchange
/// stream, reopened after it breaks. Each call gets a call id and a deadline; a call that misses
/// its deadline breaks the stream, since an expert worker that stopped answering is suspect.
/// </summary>
public sealed class DataPlaneConnection : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly ExpertDataPlane.ExpertDataPlaneClient _client;
    private readonly DataPlaneCounters _counters;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private ExchangeStream? _stream;
    private long _lastCallId;

    public DataPlaneConnection(string endpoint, DataPlaneCounters counters, ClusterCredentialOptions? credential = null)
    {
        Endpoint = endpoint;
        _counters = counters;
        var presented = credential ?? new ClusterCredentialOptions(null);
        var handler = new SocketsHttpHandler
        {
            // Pings notice a peer that vanished without closing its socket, or froze (SIGSTOP, a
            // stalled VM): with every stream's step waiting on its calls, each second counts. At 10 s
            // and 5 s a frozen expert worker stalled 64 streams 17.5 s before they failed over to
            // its shards' other replicas; a ping goes out only after this long without a frame
            // from the peer, and an expert worker's I/O threads answer it while its kernels compute.
            KeepAlivePingDelay = TimeSpan.FromSeconds(2),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(3),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        _channel = GrpcChannel.ForAddress(ClusterTls.Expect(presented.Tls, new Uri(endpoint), "the expert data plane at"), new GrpcChannelOptions
        {
            // A layer's activations for a large batch exceed gRPC's 4 MB default.
            MaxReceiveMessageSize = null,
            MaxSendMessageSize = null,
            HttpHandler = presented.Tls?.Present(handler) ?? handler,
        });
        _client = new ExpertDataPlane.ExpertDataPlaneClient(_channel.Intercept(presented.AddTo));
    }

    public string Endpoint { get; }

    /// <summary>Sends <paramref name="batch"/> (its call id is set here) and waits for its partial sums.</summary>
    public async Task<ExpertPartials> CallAsync(ExpertBatch batch, TimeSpan timeout, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.CallId = (ulong)Interlocked.Increment(ref _lastCallId);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        ExchangeStream? stream = null;
        try
        {
            Task<ExpertPartials> answer;
            await _writer.WaitAsync(deadline.Token);
            try
            {
                stream = _stream is { IsBroken: false } open ? open : (_stream = new ExchangeStream(_client, Endpoint, _counters));
                answer = stream.Expect(batch.CallId);
                try
                {
                    await stream.WriteAsync(batch, deadline.Token);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    // A stream that cannot take a write is done: the next call opens a fresh one.
                    stream.Break(error);
                    throw;
                }
            }
            finally
            {
                _writer.Release();
            }
            return await answer.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            var timedOut = new TimeoutException($"expert worker {Endpoint} did not answer call {batch.CallId} within {timeout.TotalSeconds:0.###} s");
            stream?.Break(timedOut);
            throw timedOut;
        }
        finally
        {
            stream?.Forget(batch.CallId);
        }
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _channel.Dispose();
        _writer.Dispose();
    }
}
