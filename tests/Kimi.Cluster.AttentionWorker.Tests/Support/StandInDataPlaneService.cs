using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>
/// A stand-in expert worker's data plane with a computation easy to check: "expert" e scales a
/// token by e + 1, so a partial sum is Σ weight·(e + 1)·x. Records what it was sent, and can be
/// told to stop answering, to refuse every batch, or to say (as a real expert worker does after a
/// rebalance moved an expert away) that it does not hold the batch's experts.
/// </summary>
public sealed class StandInDataPlaneService : ExpertDataPlane.ExpertDataPlaneBase
{
    private int _streams;
    private int _loadingLeft;

    public enum Behaviour { Answer, Hang, Refuse, NotLoaded }

    public Behaviour Mode { get; set; } = Behaviour.Answer;

    /// <summary>Batches still to be answered as <see cref="Behaviour.NotLoaded"/> before <see cref="Mode"/> applies (a worker loading a shard it was just given).</summary>
    public int LoadingBatches
    {
        get => Math.Max(0, Volatile.Read(ref _loadingLeft));
        set => Volatile.Write(ref _loadingLeft, value);
    }

    public ConcurrentQueue<ExpertBatch> Batches { get; } = new();

    private readonly TaskCompletionSource _firstBatch = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first batch has arrived.</summary>
    public Task FirstBatch => _firstBatch.Task;

    /// <summary>How many Exchange streams were opened.</summary>
    public int Streams => Volatile.Read(ref _streams);

    public override async Task Exchange(
        IAsyncStreamReader<ExpertBatch> requestStream, IServerStreamWriter<ExpertPartials> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        Interlocked.Increment(ref _streams);
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
        {
            Batches.Enqueue(batch);
            _firstBatch.TrySetResult();
            if (Mode == Behaviour.Refuse)
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"call {batch.CallId}: refused by the stand-in"));
            if (Mode == Behaviour.NotLoaded || Interlocked.Decrement(ref _loadingLeft) >= 0)
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"call {batch.CallId}, layer {batch.Layer}: expert {batch.ExpertIds[0]} is not loaded here"));
            if (Mode == Behaviour.Hang)
                continue;
            await responseStream.WriteAsync(new ExpertPartials { CallId = batch.CallId, PartialSums = ByteString.CopyFrom(Compute(batch)) });
        }
    }

    public static byte[] Compute(ExpertBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int hidden = (int)batch.HiddenSize;
        var x = MemoryMarshal.Cast<byte, float>(batch.Hidden.Span);
        var weights = MemoryMarshal.Cast<byte, float>(batch.GateWeights.Span);
        var output = new float[batch.PairsPerToken.Count * hidden];
        int pair = 0;
        for (int t = 0; t < batch.PairsPerToken.Count; t++)
        {
            for (int k = 0; k < batch.PairsPerToken[t]; k++, pair++)
            {
                float scale = weights[pair] * (batch.ExpertIds[pair] + 1);
                for (int j = 0; j < hidden; j++)
                    output[t * hidden + j] += scale * x[t * hidden + j];
            }
        }
        return MemoryMarshal.AsBytes(output.AsSpan()).ToArray();
    }
}
