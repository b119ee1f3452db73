using Kimi.Cluster.AttentionWorker.Requests;

namespace Kimi.Cluster.AttentionWorker.Generation;

/// <summary>
/// The facts about the served model that requests are checked against and that
/// GetModelInfo reports; kept apart from the engine so validation needs no tensors.
/// </summary>
public sealed record ModelDescriptor(
    string ModelId,
    int VocabSize,
    int MaxPositionEmbeddings,
    IReadOnlyList<int> EosTokenIds,
    DateTimeOffset Created,
    bool BuiltIn = false)
{
    /// <summary>Bytes of weights this worker holds, by form (INT4, FP8, BF16, F16, F32): what it stores, not float32 copies.</summary>
    public IReadOnlyDictionary<string, long> ResidentWeightBytes { get; init; } = new Dictionary<string, long>();

    /// <summary>Compiles requests' output constraints over this model's token byte strings.</summary>
    public ConstraintCompiler Constraints { get; init; } = ConstraintCompiler.Unavailable;

    /// <summary>The worker holds a vision encoder: requests may carry images.</summary>
    public bool AcceptsImages { get; init; }
}
