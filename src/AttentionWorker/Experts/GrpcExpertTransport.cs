using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Grpc.Core;
using Kimi.Cluster.AttentionWorker.Operations;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.DataPlane;

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
    ExpertTransportOptions options, ILogger<GrpcExpertTransport> logger, AttentionWorkerMetrics? metrics = null) : IExpertTransport
{
    public async Task<float[]> ExchangeAsync(ExpertExchange exchange, CancellationToken cancellationToken)
    {
        Check(exchange);
        counters.LayerExchanged(exchange.HiddenSize);
        metrics?.RecordRouting(exchange.Layer, exchange.ExpertIds, placement.Current.Table.ExpertCount);
        var answers = new ConcurrentBag<(EndpointBatch Batch, ExpertPartials Answer)>();
        int[] allPairs = [.. Enumerable.Range(0, exchange.ExpertIds.Length)];
        await RunAsync(exchange, allPairs, attempt: 1, tried: [], answers, cancellationToken);
        var output = new float[exchange.Tokens * exchange.HiddenSize];
        // Answers arrive in any order; adding them in a fixed one keeps the result reproducible.
        foreach (var (batch, answer) in answers.OrderBy(a => a.Batch.Pairs[0]))
            batch.AddInto(output, answer);
        return output;
    }

    private async Task RunAsync(
        ExpertExchange exchange, int[] pairs, int attempt, ImmutableList<string> tried,
        ConcurrentBag<(EndpointBatch, ExpertPartials)> answers, CancellationToken cancellation)
    {
        var snapshot = placement.Current;
        string[] endpointOfShard = snapshot.ChooseEndpoints(placement.IsBad);
        var batches = pairs
            .GroupBy(pair => endpointOfShard[snapshot.ShardIndexOf(exchange.ExpertIds[pair])], StringComparer.Ordinal)
            .Select(group => EndpointBatch.Create(exchange, group.Key, [.. group], options.WireDtype));
        await Task.WhenAll(batches.Select(batch => SendAsync(exchange, batch, snapshot, attempt, tried, answers, cancellation)));
    }

    private async Task SendAsync(
        ExpertExchange exchange, EndpointBatch batch, PlacementSnapshot snapshot, int attempt, ImmutableList<string> tried,
        ConcurrentBag<(EndpointBatch, ExpertPartials)> answers, CancellationToken cancellation)
    {
        try
        {
            long started = Stopwatch.GetTimestamp();
            var answer = await connections.For(batch.Endpoint).CallAsync(batch.Message, options.CallTimeout, cancellation);
            batch.CheckAnswer(answer);
            metrics?.RecordExchange(exchange.Layer, batch.Endpoint,
                batch.Message.CalculateSize() + DataPlaneCounters.GrpcMessagePrefixBytes,
                answer.CalculateSize() + DataPlaneCounters.GrpcMessagePrefixBytes, Stopwatch.GetElapsedTime(started));
            answers.Add((batch, answer));
            return;
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.InvalidArgument)
        {
            // The batch itself is wrong: every replica would refuse it the same way.
            throw ExpertExchangeException.Refused(exchange.Layer, batch.Endpoint, error);
        }
        catch (Exception error) when (error is not ExpertExchangeException && !cancellation.IsCancellationRequested)
        {
            tried = tried.Add(batch.Endpoint);
            if (attempt >= options.MaxAttempts)
                throw ExpertExchangeException.GaveUp(exchange.Layer, tried, attempt, error);
            LogFailover(logger, error, exchange.Layer, batch.Endpoint, batch.Pairs.Count, attempt, error.Message);
            counters.FailedOver();
            var shards = batch.Pairs.Select(pair => snapshot.ShardIndexOf(exchange.ExpertIds[pair])).Distinct();
            await placement.AfterFailureAsync(batch.Endpoint, snapshot.Version, shards, cancellation);
        }
        await RunAsync(exchange, [.. batch.Pairs], attempt + 1, tried, answers, cancellation);
    }

    private static void Check(ExpertExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        int pairs = exchange.Tokens * exchange.TopK;
        if (exchange.Hidden.Length != exchange.Tokens * exchange.HiddenSize * sizeof(float)
            || exchange.ExpertIds.Length != pairs || exchange.Weights.Length != pairs)
            throw new ArgumentException(
                $"layer {exchange.Layer}: {exchange.Hidden.Length} hidden bytes, {exchange.ExpertIds.Length} expert ids and " +
                $"{exchange.Weights.Length} weights do not fit {exchange.Tokens} tokens × top-{exchange.TopK} × hidden {exchange.HiddenSize}",
                nameof(exchange));
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "MoE layer {Layer}: expert worker {Endpoint} failed {Pairs} routed pairs (attempt {Attempt}); sending them elsewhere: {Reason}")]
    private static partial void LogFailover(ILogger logger, Exception error, int layer, string endpoint, int pairs, int attempt, string reason);
}
