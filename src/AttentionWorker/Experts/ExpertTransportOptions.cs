using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>How patient the data plane is with the expert workers.</summary>
/// <param name="CallTimeout">How long one expert batch may take before its endpoint counts as failed.</param>
/// <param name="MaxAttempts">How many times a layer's pairs are tried (the first send included) before the layer fails.</param>
/// <param name="WireDtype">How activations travel: float32 (exact, the default) or bfloat16 (half the bytes).</param>
/// <param name="LoadingPatience">
/// How long a worker that the newest table names for an expert, but that says it does not hold it,
/// is asked again before it counts as failed: placement has just given it the shard (its other
/// replicas died) and it is still loading it. Null: <see cref="DefaultLoadingPatience"/>.
/// </param>
public sealed record ExpertTransportOptions(
    TimeSpan CallTimeout, int MaxAttempts = ExpertTransportOptions.DefaultMaxAttempts, ActivationDType WireDtype = ActivationDType.Float32,
    TimeSpan? LoadingPatience = null)
{
    public const int DefaultMaxAttempts = 3;

    /// <summary>Long enough for an expert worker to read a shard it was just given.</summary>
    public static readonly TimeSpan DefaultLoadingPatience = TimeSpan.FromSeconds(10);

    /// <summary>How long to wait between asking a loading worker again.</summary>
    public static readonly TimeSpan LoadingRetryDelay = TimeSpan.FromMilliseconds(200);
}
