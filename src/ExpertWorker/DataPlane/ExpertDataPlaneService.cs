using System.Diagnostics;
using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.ExpertWorker.Operations;
using Kimi.Cluster.Model.Exchange;
using Kimi.Cluster.Model.RoutedExperts;

namespace Kimi.Cluster.ExpertWorker.DataPlane;

/// <summary>
/// The data plane: one bidirectional stream per attention worker; each ExpertBatch (one MoE
/// layer's tokens for this worker) is decoded into <see cref="ExpertWork"/>, computed by the
/// shards loaded here, and answered with its tokens' weighted partial sums. A malformed batch
/// (ArgumentException) ends the stream INVALID_ARGUMENT, one for an expert not loaded here
/// (<see cref="ExpertNotLoadedException"/>) FAILED_PRECONDITION, each naming the problem. Once the silo has left
/// the cluster (shutdown), the stream ends UNAVAILABLE after the batch in hand, and the attention
/// worker sends the next batch to another replica.
/// </summary>
public sealed class ExpertDataPlaneService(ExpertShardSet shards, DataPlaneEndpoint endpoint, ServingState state, ExpertWorkerMetrics metrics)
    : ExpertDataPlane.ExpertDataPlaneBase
{
    public override async Task Exchange(IAsyncStreamReader<ExpertBatch> requestStream, IServerStreamWriter<ExpertPartials> responseStream, ServerCallContext context)
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, state.Left);
        state.StreamOpened();
        try
        {
            await ServeAsync(requestStream, responseStream, context, reading.Token);
        }
        catch (OperationCanceledException) when (state.Left.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the expert worker has left the cluster (shutting down); use another replica"));
        }
        finally
        {
            state.StreamClosed();
        }
    }

    private async Task ServeAsync(IAsyncStreamReader<ExpertBatch> requestStream, IServerStreamWriter<ExpertPartials> responseStream,
        ServerCallContext context, CancellationToken reading)
    {
        await foreach (var batch in requestStream.ReadAllAsync(reading))
        {
            float[] partials;
            long started = Stopwatch.GetTimestamp();
            try
            {
                partials = shards.Compute(ExpertBatchCodec.Decode(batch, shards.Config));
            }
            catch (ExpertNotLoadedException e)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"call {batch.CallId}, layer {batch.Layer}: {e.Message}"));
            }
            catch (ArgumentException e)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"call {batch.CallId}, layer {batch.Layer}: {e.Message}"));
            }
            state.BatchServed();
            metrics.RecordBatch((int)batch.Layer, batch.PairsPerToken.Count, batch.ExpertIds.Count, Stopwatch.GetElapsedTime(started));
            // The answer travels in the batch's dtype.
            await responseStream.WriteAsync(ExpertBatchCodec.EncodePartials(batch.CallId, partials, batch.Dtype), context.CancellationToken);
        }
    }

    public override async Task<LoadReport> GetLoadReport(LoadReportRequest request, ServerCallContext context)
    {
        var report = new LoadReport { Endpoint = await endpoint.Address };
        foreach (var shard in shards.Holdings)
        {
            var loaded = new Contracts.V1.LoadedShard
            {
                Shard = (uint)shard.Shard, Replica = (uint)shard.Replica,
                LoadedBytes = shard.LoadedBytes, LoadedTensors = shard.TensorNames.Count,
            };
            loaded.ExpertIds.AddRange(shard.ExpertIds.Select(e => (uint)e));
            loaded.TensorNames.AddRange(shard.TensorNames);
            loaded.ResidentBytes.Add(shard.ResidentBytes.ToDictionary());
            report.Shards.Add(loaded);
        }
        return report;
    }
}
