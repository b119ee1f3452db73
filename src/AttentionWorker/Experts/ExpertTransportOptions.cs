using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>How patient the data plane is with the expert workers.</summary>
/// <param name="CallTimeout">How long one expert batch may take before its endpoint counts as failed.</param>
/// <param name="MaxAttempts">How many times a layer's pairs are tried (the first send included) before the layer fails.</param>
/// <param name="WireDtype">How activations travel: float32 (exact, the default) or bfloat16 (half the bytes).</param>
public sealed record ExpertTransportOptions(
    TimeSpan CallTimeout, int MaxAttempts = ExpertTransportOptions.DefaultMaxAttempts, ActivationDType WireDtype = ActivationDType.Float32)
{
    public const int DefaultMaxAttempts = 3;
}
