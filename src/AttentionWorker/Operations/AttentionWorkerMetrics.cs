using System.Buffers;
using System.Diagnostics.Metrics;

namespace Kimi.Cluster.AttentionWorker.Operations;

/// <summary>
/// The attention worker's meter: the continuous batcher's running and waiting sequences, KV-cache
/// usage and prefix-cache queries and hits (read from the scheduler at scrape time), the gate's
/// per-expert routed tokens and load imbalance per MoE layer, and the all-to-all traffic and
/// latency per layer and expert worker. Recording takes plain ints; it never sees a tensor.
/// </summary>
public sealed class AttentionWorkerMetrics
{
    public const string MeterName = "Kimi.Cluster.AttentionWorker";

    private static readonly IReadOnlyList<double> SecondsBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // Finer where a step of a small batch lands (a few ms), so its quantiles can be read off.
    private static readonly IReadOnlyList<double> StepBuckets =
        [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5, 10];

    private readonly Meter _meter;
    private readonly Counter<long> _routedTokens;
    private readonly Gauge<double> _imbalance;
    private readonly Counter<long> _allToAllBytes;
    private readonly Histogram<double> _allToAllDuration;
    private readonly Counter<long> _workerPairs;
    private readonly Gauge<double> _workerImbalance;
    private readonly Histogram<double> _stepDuration;

    public AttentionWorkerMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _routedTokens = _meter.CreateCounter<long>("kimi.expert.routed_tokens", "{token}",
            "Tokens the gate routed to each expert, by layer and expert.");
        _imbalance = _meter.CreateGauge<double>("kimi.expert.load_imbalance", null,
            "The last step's busiest expert's tokens over the mean per expert, by layer (1 = even).");
        _allToAllBytes = _meter.CreateCounter<long>("kimi.all_to_all.bytes", "By",
            "Data-plane bytes (gRPC messages) by layer, expert worker and direction (dispatch, combine).");
        _allToAllDuration = _meter.CreateHistogram<double>("kimi.all_to_all.duration", "s",
            "Time from sending a layer's batch to an expert worker to having its partial sums, by layer and worker.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _workerPairs = _meter.CreateCounter<long>("kimi.expert_worker.routed_pairs", "{pair}",
            "Routed (token, expert) pairs sent to each expert worker, by worker.");
        _workerImbalance = _meter.CreateGauge<double>("kimi.expert_worker.load_imbalance", null,
            "The last step's busiest expert worker's routed pairs over the mean per worker, by layer (1 = even).");
        _stepDuration = _meter.CreateHistogram<double>("kimi.engine.step.duration", "s",
            "Wall time of one engine step (forward and sampling of the whole batch), by phase: decode (every sequence one token) or prefill (any prompt chunk).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StepBuckets });
    }

    /// <summary>
    /// One engine step: <paramref name="decodeOnly"/> when every sequence decoded one token. A
    /// decode step's time, set beside the streamed inter-token latency, shows what serving adds.
    /// </summary>
    public void RecordStep(TimeSpan elapsed, bool decodeOnly) =>
        _stepDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("phase", decodeOnly ? "decode" : "prefill"));

    /// <summary>One MoE layer's routed pairs per expert worker (every worker of the placement, those sent none too).</summary>
    public void RecordWorkerLoad(int layer, IReadOnlyList<string> workers, ReadOnlySpan<int> pairs)
    {
        ArgumentNullException.ThrowIfNull(workers);
        for (int i = 0; i < workers.Count; i++)
        {
            if (pairs[i] != 0)
                _workerPairs.Add(pairs[i], new KeyValuePair<string, object?>("worker", workers[i]));
        }
        _workerImbalance.Record(ExpertLoad.Imbalance(pairs), new KeyValuePair<string, object?>("layer", TagValues.Of(layer)));
    }

    /// <summary>Publishes the bytes of weights held, by form (dtype tag: INT4, FP8, BF16, F16, F32).</summary>
    public void ObserveResidentWeights(IReadOnlyDictionary<string, long> bytesByForm)
    {
        ArgumentNullException.ThrowIfNull(bytesByForm);
        _meter.CreateObservableGauge("kimi.weights.resident", () => bytesByForm.Select(
            p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("dtype", p.Key))), "By",
            "Bytes of model weights this process holds, by the form it holds them in.");
    }

    /// <summary>Publishes the scheduler's state, read at each scrape.</summary>
    public void ObserveScheduler(Func<SchedulerLoad> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        _meter.CreateObservableGauge("kimi.num_requests_running", () => load().Running, "{request}",
            "Sequences in the continuous batch (holding KV blocks).");
        _meter.CreateObservableGauge("kimi.num_requests_waiting", () => load().Waiting, "{request}",
            "Sequences waiting for the scheduler to admit them.");
        _meter.CreateObservableGauge("kimi.kv_cache.usage", () => load().KvCacheUsage, null,
            "Fraction of KV-cache blocks in use, 0..1.");
        _meter.CreateObservableCounter("kimi.prefix_cache.queries", () => load().PrefixQueryTokens, "{token}",
            "Prompt tokens looked up in the prefix cache.");
        _meter.CreateObservableCounter("kimi.prefix_cache.hits", () => load().PrefixHitTokens, "{token}",
            "Prompt tokens found in the prefix cache.");
    }

    /// <summary>One MoE layer's gate choices for a step: tokens per expert and the layer's imbalance.</summary>
    public void RecordRouting(int layer, ReadOnlySpan<int> expertIds, int expertCount)
    {
        if (expertCount <= 0 || !_routedTokens.Enabled && !_imbalance.Enabled)
            return;
        int[] counts = ArrayPool<int>.Shared.Rent(expertCount);
        try
        {
            var span = counts.AsSpan(0, expertCount);
            span.Clear();
            ExpertLoad.Count(expertIds, span);
            var layerTag = new KeyValuePair<string, object?>("layer", TagValues.Of(layer));
            for (int expert = 0; expert < span.Length; expert++)
            {
                if (span[expert] != 0)
                    _routedTokens.Add(span[expert], layerTag, new KeyValuePair<string, object?>("expert", TagValues.Of(expert)));
            }
            _imbalance.Record(ExpertLoad.Imbalance(span), layerTag);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(counts);
        }
    }

    /// <summary>One batch sent to an expert worker and answered.</summary>
    public void RecordExchange(int layer, string worker, long sentBytes, long receivedBytes, TimeSpan elapsed)
    {
        var layerTag = new KeyValuePair<string, object?>("layer", TagValues.Of(layer));
        var workerTag = new KeyValuePair<string, object?>("worker", worker);
        _allToAllBytes.Add(sentBytes, layerTag, workerTag, new KeyValuePair<string, object?>("direction", "dispatch"));
        _allToAllBytes.Add(receivedBytes, layerTag, workerTag, new KeyValuePair<string, object?>("direction", "combine"));
        _allToAllDuration.Record(elapsed.TotalSeconds, layerTag, workerTag);
    }
}
