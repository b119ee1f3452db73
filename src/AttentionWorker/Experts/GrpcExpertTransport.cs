using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Grpc.Core;
using Kimi.Cluster.AttentionWorker.Operations;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Exchange;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// The data plane seen from the attention worker: splits a layer's (token, expert) pairs by the
/// expert worker serving each expert's shard, sends every worker its batch at once, and adds up
/// the partial sums. Work on a worker that fails or times out goes to another replica (or to
/// where the re-read placement table puts it), a bounded number of times; then the layer fails
/// with an exception naming it and the workers tried, so the request fails rather than vanish.
/// </summary>
public sealed partial class GrpcExpertTransport(
    PlacementView placement, DataPlaneConnections connections, DataPlaneCounters counters,
    ExpertTransportOptions options, ILogger<GrpcExpertTransport> logger, AttentionWorkerMetrics? metrics = null,
    RoutedTokenWindow? routedWindow = null) : IExpertTransport
{
    public async Task<float[]> ExchangeAsync(ExpertWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        work.Checked();
        placement.EnteringLayer(work.Layer);
        counters.LayerExchanged(work.HiddenSize);
        metrics?.RecordRouting(work.Layer, work.ExpertIds, placement.Current.Table.ExpertCount);
        routedWindow?.Add(work.Layer, work.ExpertIds, placement.Current.Table.ExpertCount);
        var answers = new ConcurrentBag<(EndpointBatch Batch, ExpertPartials Answer)>();
        int[] allPairs = [.. Enumerable.Range(0, work.ExpertIds.Length)];
        await RunAsync(work, allPairs, attempt: 1, tried: [], answers, cancellationToken);
        var output = new float[work.Tokens * work.HiddenSize];
        // Answers arrive in any order; adding them in a fixed one keeps the result reproducible.
        foreach (var (batch, answer) in answers.OrderBy(a => a.Batch.Pairs[0]))
            batch.AddInto(output, answer);
        return output;
    }

    private async Task RunAsync(
        ExpertWork work, int[] pairs, int attempt, ImmutableList<string> tried,
        ConcurrentBag<(EndpointBatch, ExpertPartials)> answers, CancellationToken cancellation)
    {
        var snapshot = placement.Current;
        string[] endpointOfShard = snapshot.ChooseEndpoints(placement.IsBad);
        var batches = pairs
            .GroupBy(pair => endpointOfShard[snapshot.ShardIndexOf(work.ExpertIds[pair], work.TokenOf(pair))], StringComparer.Ordinal)
            .Select(group => EndpointBatch.Create(work, group.Key, [.. group], options.WireDtype)).ToArray();
        if (attempt == 1 && metrics is not null)
            RecordWorkerLoad(work.Layer, snapshot, batches);
        await Task.WhenAll(batches.Select(batch => SendAsync(work, batch, snapshot, attempt, tried, answers, cancellation)));
    }

    private async Task SendAsync(
        ExpertWork work, EndpointBatch batch, PlacementSnapshot snapshot, int attempt, ImmutableList<string> tried,
        ConcurrentBag<(EndpointBatch, ExpertPartials)> answers, CancellationToken cancellation)
    {
        var loadingUntil = DateTime.UtcNow + (options.LoadingPatience ?? ExpertTransportOptions.DefaultLoadingPatience);
        Exception failure;
        while (true)
        {
            try
            {
                await SendOnceAsync(work, batch, answers, cancellation);
                return;
            }
            catch (RpcException error) when (error.StatusCode == StatusCode.InvalidArgument)
            {
                // The batch itself is wrong: every replica would refuse it the same way.
                throw ExpertExchangeException.Refused(work.Layer, batch.Endpoint, error);
            }
            catch (RpcException error) when (error.StatusCode == StatusCode.FailedPrecondition && !cancellation.IsCancellationRequested)
            {
                // The worker does not hold an expert this table sent it: a rebalance moved it and the
                // newer table had not reached this worker. Route again by the newer table.
                LogStalePlacement(logger, work.Layer, batch.Endpoint, snapshot.Version, error.Status.Detail);
                bool newer = await placement.RefreshStaleAsync(snapshot.Version, cancellation);
                if (newer && attempt < options.MaxAttempts)
                {
                    await RunAsync(work, [.. batch.Pairs], attempt + 1, tried, answers, cancellation);
                    return;
                }
                // Without one, the newest table puts these experts on this worker: placement gave it
                // the shard when its other replicas died, and it is still loading it. Ask it again a
                // little later; past the loading patience (a replica moved off it, say) it is a
                // failure like any other.
                if (!newer && DateTime.UtcNow + ExpertTransportOptions.LoadingRetryDelay < loadingUntil)
                {
                    LogLoading(logger, work.Layer, batch.Endpoint, error.Status.Detail);
                    await Task.Delay(ExpertTransportOptions.LoadingRetryDelay, cancellation);
                    continue;
                }
                failure = error;
            }
            catch (Exception error) when (error is not ExpertExchangeException && !cancellation.IsCancellationRequested)
            {
                failure = error;
            }
            break;
        }
        tried = tried.Add(batch.Endpoint);
        if (attempt >= options.MaxAttempts)
            throw ExpertExchangeException.GaveUp(work.Layer, tried, attempt, failure);
        LogFailover(logger, failure, work.Layer, batch.Endpoint, batch.Pairs.Count, attempt, failure.Message);
        counters.FailedOver();
        var shards = batch.Pairs.SelectMany(pair => snapshot.ShardIndexesOf(work.ExpertIds[pair])).Distinct();
        await placement.AfterFailureAsync(batch.Endpoint, snapshot.Version, shards, cancellation);
        await RunAsync(work, [.. batch.Pairs], attempt + 1, tried, answers, cancellation);
    }

    private async Task SendOnceAsync(ExpertWork work, EndpointBatch batch, ConcurrentBag<(EndpointBatch, ExpertPartials)> answers, CancellationToken cancellation)
    {
        long started = Stopwatch.GetTimestamp();
        var answer = await connections.For(batch.Endpoint).CallAsync(batch.Message, options.CallTimeout, cancellation);
        batch.CheckAnswer(answer);
        metrics?.RecordExchange(work.Layer, batch.Endpoint,
            batch.Message.CalculateSize() + DataPlaneCounters.GrpcMessagePrefixBytes,
            answer.CalculateSize() + DataPlaneCounters.GrpcMessagePrefixBytes, Stopwatch.GetElapsedTime(started));
        answers.Add((batch, answer));
    }

    /// <summary>Routed pairs per expert worker for this layer, every worker of the table counted (those sent nothing too).</summary>
    private void RecordWorkerLoad(int layer, PlacementSnapshot snapshot, EndpointBatch[] batches)
    {
        // One batch per endpoint (the batches are grouped by it).
        var pairsAt = batches.ToDictionary(b => b.Endpoint, b => b.Pairs.Count, StringComparer.Ordinal);
        int[] pairs = [.. snapshot.Workers.Select(worker => pairsAt.GetValueOrDefault(worker))];
        metrics!.RecordWorkerLoad(layer, snapshot.Workers, pairs);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "MoE layer {Layer}: placement v{Version} is out of date at {Endpoint} ({Detail}); routing by the newer table")]
    private static partial void LogStalePlacement(ILogger logger, int layer, string endpoint, long version, string detail);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "MoE layer {Layer}: expert worker {Endpoint} does not hold the experts the newest table gives it yet ({Detail}); asking it again while it loads them")]
    private static partial void LogLoading(ILogger logger, int layer, string endpoint, string detail);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "MoE layer {Layer}: expert worker {Endpoint} failed {Pairs} routed pairs (attempt {Attempt}); sending them elsewhere: {Reason}")]
    private static partial void LogFailover(ILogger logger, Exception error, int layer, string endpoint, int pairs, int attempt, string reason);
}
