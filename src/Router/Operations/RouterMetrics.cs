using System.Diagnostics.Metrics;

namespace Kimi.Cluster.Router.Operations;

/// <summary>
/// The router's meter: what clients see of each generated sequence (time to first token,
/// inter-token latency, end-to-end latency, tokens, outcome) and the router's own queue. Names
/// follow the OpenTelemetry GenAI conventions where one exists, and vLLM's vllm:* meanings
/// under kimi.* otherwise (docs/metrics.md lists both).
/// </summary>
public sealed class RouterMetrics
{
    public const string MeterName = "Kimi.Cluster.Router";

    private readonly Meter _meter;

    public RouterMetrics(IMeterFactory meters)
        : this(CreateMeter(meters))
    {
    }

    private RouterMetrics(Meter meter)
    {
        _meter = meter;
        Requests = meter.CreateCounter<long>("kimi.requests", "{request}",
            "Generated sequences that ended, by outcome: stop, length, abort (the client left) or error.");
        TimeToFirstToken = Seconds("gen_ai.server.time_to_first_token", "Time from the request reaching the router to its first generated token.");
        TimePerOutputToken = Seconds("gen_ai.server.time_per_output_token", "Mean time per generated token after the first, per sequence.");
        InterTokenLatency = Seconds("kimi.inter_token_latency", "Time between consecutive generated tokens.");
        RequestDuration = Seconds("gen_ai.server.request.duration", "Time from the request reaching the router to its last token.");
        QueueTime = Seconds("kimi.request.queue_time", "Time a sequence waited in the router's admission queue.");
        TokenUsage = meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}",
            "Tokens per sequence, by gen_ai.token.type (input: the prompt, output: generated).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = MetricBuckets.Tokens });
        PromptTokens = meter.CreateCounter<long>("kimi.prompt_tokens", "{token}", "Prompt tokens, counted when a sequence's first response reports them.");
        GenerationTokens = meter.CreateCounter<long>("kimi.generation_tokens", "{token}", "Generated tokens.");
        Resumes = meter.CreateCounter<long>("kimi.resumes", "{resume}",
            "Generations moved to another attention worker after theirs was lost mid-stream.");
        ResumeDelay = Seconds("kimi.resume.delay", "Time from losing a generation's attention worker to its first token from the next one.");
    }

    public Counter<long> Requests { get; }
    public Histogram<double> TimeToFirstToken { get; }
    public Histogram<double> TimePerOutputToken { get; }
    public Histogram<double> InterTokenLatency { get; }
    public Histogram<double> RequestDuration { get; }
    public Histogram<double> QueueTime { get; }
    public Histogram<long> TokenUsage { get; }
    public Counter<long> PromptTokens { get; }
    public Counter<long> GenerationTokens { get; }
    public Counter<long> Resumes { get; }
    public Histogram<double> ResumeDelay { get; }

    /// <summary>Metrics that nothing exports (for code built without the host, like tests of other things).</summary>
    public static RouterMetrics Unexported() => new(new Meter(MeterName));

    /// <summary>Publishes the router's queue: sequences holding a place and sequences waiting for one.</summary>
    public void ObserveAdmission(Func<int> running, Func<int> waiting)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(waiting);
        _meter.CreateObservableGauge("kimi.router.requests_running", running, "{request}",
            "Sequences admitted by the router's queue and not yet finished.");
        _meter.CreateObservableGauge("kimi.router.requests_waiting", waiting, "{request}",
            "Sequences waiting in the router's admission queue.");
    }

    private Histogram<double> Seconds(string name, string description) =>
        _meter.CreateHistogram<double>(name, "s", description,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = MetricBuckets.Seconds });

    private static Meter CreateMeter(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        return meters.Create(MeterName);
    }
}
