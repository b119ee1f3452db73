namespace Kimi.Cluster.Model.Configuration.Capacity;

/// <summary>
/// What one process of a kind holds: weights by the form it keeps them in (INT4, FP8, BF16, F16, F32,
/// as the workers' resident-bytes report names them), its KV cache and its step's activation buffers.
/// </summary>
/// <param name="Kind">"attention worker" or "expert worker".</param>
/// <param name="Count">Processes of this kind.</param>
/// <param name="WeightBytesByForm">Weight bytes held, by form.</param>
/// <param name="Experts">Routed experts held (per MoE layer).</param>
/// <param name="KvBytesPerToken">KV cache bytes per cached token (float32 latent + rope key, every layer); 0 for expert workers.</param>
/// <param name="KvBytes">The whole KV cache.</param>
/// <param name="ActivationBytes">Float32 buffers of one step at the configured batch, at the widest layer.</param>
public sealed record ProcessFootprint(
    string Kind, int Count, IReadOnlyDictionary<string, long> WeightBytesByForm, int Experts,
    long KvBytesPerToken, long KvBytes, long ActivationBytes)
{
    public long WeightBytes => WeightBytesByForm.Values.Sum();

    /// <summary>Everything one process of this kind holds.</summary>
    public long TotalBytes => WeightBytes + KvBytes + ActivationBytes;
}

/// <summary>A deployment's footprint: per process kind, and the sum over every process.</summary>
/// <param name="Model">The model type and size, for the heading.</param>
/// <param name="Processes">Attention workers first, then expert workers (when there are any).</param>
/// <param name="CheckpointBytes">The checkpoint's own total size (index.json's metadata.total_size) when known.</param>
public sealed record CapacityPlan(string Model, IReadOnlyList<ProcessFootprint> Processes, long? CheckpointBytes)
{
    public long ClusterBytes => Processes.Sum(p => p.TotalBytes * p.Count);
}
