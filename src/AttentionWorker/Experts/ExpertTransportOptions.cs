namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>How patient the data plane is with the expert workers.</summary>
/// <param name="CallTimeout">How long one expert batch may take before its endpoint counts as failed.</param>
/// <param name="MaxAttempts">How many times a layer's pairs are tried (the first send included) before the layer fails.</param>
public sealed record ExpertTransportOptions(TimeSpan CallTimeout, int MaxAttempts = ExpertTransportOptions.DefaultMaxAttempts)
{
    public const int DefaultMaxAttempts = 3;
}
