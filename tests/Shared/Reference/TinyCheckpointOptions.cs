namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>How a tiny checkpoint is drawn and laid out on disk.</summary>
public sealed record TinyCheckpointOptions
{
    public ulong Seed { get; init; } = 20250711;

    /// <summary>1: a single model.safetensors; K &gt; 1: model-0000i-of-0000K.safetensors split by layer, plus the index.</summary>
    public int ShardCount { get; init; } = 1;

    /// <summary>Type of every weight except e_score_correction_bias (always F32, as in real checkpoints).</summary>
    public StoredDtype WeightDtype { get; init; } = StoredDtype.BF16;

    /// <summary>
    /// Null: every weight in <see cref="WeightDtype"/>. Otherwise the weights the scheme covers are
    /// stored quantized (with their scale tensors) and config.json announces it; the reference
    /// then holds their dequantized values under the ordinary "….weight" names.
    /// </summary>
    public CheckpointQuantization? Quantization { get; init; }

    /// <summary>
    /// Defects to build in. With <see cref="Quantization"/>: a Drop of "….weight" drops every tensor
    /// of that module; a Shape or Dtype on "….weight" stores that module unquantized (a plain
    /// weight where the loader expects codes and scales); the scale and code tensors can be named
    /// themselves ("….weight_scale", "….weight_packed", "….weight_shape", "….weight_scale_inv") to be
    /// dropped or reshaped (data repeated to fill the new size), and a scale tensor can take another
    /// float Dtype, in which case the quantization uses scales rounded to that type.
    /// </summary>
    public IReadOnlyList<CheckpointMutation> Mutations { get; init; } = [];

    /// <summary>
    /// Multiplies the std of lm_head.weight. At 1 the top two logprobs are often under 0.1 nats
    /// apart, so greedy tokens of a bf16 implementation can flip on noise; a gain of 3–4 makes
    /// the distribution peakier for tests that compare greedy tokens exactly.
    /// </summary>
    public double LmHeadGain { get; init; } = 1.0;

    /// <summary>
    /// Experts whose e_score_correction_bias is raised by 1 in every MoE layer: the gate then picks
    /// them for nearly every token (the bias steers the choice, not the weights), a skewed routing
    /// for the load-balancing tests.
    /// </summary>
    public IReadOnlyList<int> HotExperts { get; init; } = [];

    public static TinyCheckpointOptions Default { get; } = new();
}
