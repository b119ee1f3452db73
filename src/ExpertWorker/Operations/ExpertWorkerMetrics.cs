using System.Diagnostics.Metrics;

namespace Kimi.Cluster.ExpertWorker.Operations;

/// <summary>The expert worker's meter: per MoE layer, the time its experts compute a batch and the tokens and (token, expert) pairs it receives.</summary>
public sealed class ExpertWorkerMetrics
{
    public const string MeterName = "Kimi.Cluster.ExpertWorker";

    private static readonly IReadOnlyList<double> SecondsBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly object[] Layers = [.. Enumerable.Range(0, 256).Select(i => (object)i)];

    private readonly Histogram<double> _compute;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _pairs;
    private readonly Meter _meter;

    public ExpertWorkerMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _compute = _meter.CreateHistogram<double>("kimi.expert.compute.duration", "s",
            "Time this worker's experts took to compute one layer's batch, by layer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _tokens = _meter.CreateCounter<long>("kimi.expert.received_tokens", "{token}", "Tokens received on the data plane, by layer.");
        _pairs = _meter.CreateCounter<long>("kimi.expert.received_pairs", "{pair}",
            "Routed (token, expert) pairs received on the data plane, by layer.");
    }

    /// <summary>Publishes the bytes of expert weights this worker holds, by form (dtype tag), each expert counted once.</summary>
    public void ObserveResidentWeights(Func<IReadOnlyDictionary<string, long>> bytesByForm)
    {
        ArgumentNullException.ThrowIfNull(bytesByForm);
        _meter.CreateObservableGauge("kimi.weights.resident", () => bytesByForm()
            .Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("dtype", p.Key))), "By",
            "Bytes of model weights this process holds, by the form it holds them in.");
    }

    public void RecordBatch(int layer, int tokens, int pairs, TimeSpan compute)
    {
        var layerTag = new KeyValuePair<string, object?>("layer", (uint)layer < (uint)Layers.Length ? Layers[layer] : layer);
        _compute.Record(compute.TotalSeconds, layerTag);
        _tokens.Add(tokens, layerTag);
        _pairs.Add(pairs, layerTag);
    }
}
