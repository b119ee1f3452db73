namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>
/// The shape, storage format and seed of a generated Kimi K2 checkpoint. The defaults are the
/// "bench-sized" model: K2's architecture (MLA, 1 dense layer then MoE with 8 of 128 experts
/// and a shared one) at about 1 GB in BF16, so that a benchmark runs on one machine.
/// </summary>
public sealed record CheckpointSpec
{
    public static CheckpointSpec BenchSized { get; } = new();

    public int Hidden { get; init; } = 1024;
    public int Layers { get; init; } = 5;
    public int FirstDense { get; init; } = 1;
    public int Experts { get; init; } = 128;
    public int TopK { get; init; } = 8;
    public int SharedExperts { get; init; } = 1;
    public int MoeIntermediate { get; init; } = 256;
    public int Intermediate { get; init; } = 2816;
    public int Vocab { get; init; } = 8192;
    public int Heads { get; init; } = 16;

    /// <summary>0 writes q_proj instead of the q_a_proj / q_b_proj pair (config q_lora_rank null).</summary>
    public int QLoraRank { get; init; } = 384;

    public int KvLoraRank { get; init; } = 128;
    public int QkNope { get; init; } = 64;
    public int QkRope { get; init; } = 32;
    public int VHead { get; init; } = 64;
    public int MaxPositions { get; init; } = 4096;
    public CheckpointFormat Format { get; init; } = CheckpointFormat.Bf16;

    /// <summary>Inputs per INT4 scale.</summary>
    public int GroupSize { get; init; } = 32;

    public ulong Seed { get; init; } = 1;

    /// <summary>
    /// Experts whose e_score_correction_bias is raised by 1 in every MoE layer, so the gate picks
    /// them for nearly every token: a skewed routing to measure expert load balancing with.
    /// </summary>
    public IReadOnlyList<int> HotExperts { get; init; } = [];

    /// <summary>Most tensor bytes per safetensors file (a larger tensor gets a file to itself), as HF's max_shard_size.</summary>
    public long ShardBytes { get; init; } = 2_000_000_000;

    /// <summary>The first option out of range, named as on the command line; null when all are fine.</summary>
    public string? Problem()
    {
        (string Option, int Value)[] positive =
        [
            ("--hidden", Hidden), ("--layers", Layers), ("--experts", Experts), ("--top-k", TopK),
            ("--moe-intermediate", MoeIntermediate), ("--intermediate", Intermediate), ("--vocab", Vocab),
            ("--heads", Heads), ("--kv-lora-rank", KvLoraRank), ("--qk-nope", QkNope), ("--qk-rope", QkRope),
            ("--v-head", VHead), ("--max-positions", MaxPositions), ("--group-size", GroupSize),
        ];
        foreach (var (option, value) in positive)
        {
            if (value <= 0)
                return $"{option} must be positive, got {value}";
        }
        return FirstDense < 0 || FirstDense > Layers ? $"--first-dense must be in 0..--layers ({Layers}), got {FirstDense}"
            : TopK > Experts ? $"--top-k ({TopK}) must not exceed --experts ({Experts})"
            : SharedExperts < 0 ? $"--shared-experts must not be negative, got {SharedExperts}"
            : QLoraRank < 0 ? $"--q-lora-rank must be 0 (q_proj) or positive, got {QLoraRank}"
            : QkRope % 2 != 0 ? $"--qk-rope must be even (rotary pairs), got {QkRope}"
            : ShardBytes <= 0 ? $"--shard-bytes must be positive, got {ShardBytes}"
            : HotExperts.Any(e => e < 0 || e >= Experts)
                ? $"--hot-experts must name experts in 0..{Experts - 1}, got {string.Join(",", HotExperts)}"
            : HotExperts.Count > TopK ? $"--hot-experts names {HotExperts.Count} experts, more than --top-k ({TopK}) a token picks"
            : Format == CheckpointFormat.Int4 ? Int4Problem()
            : null;
    }

    /// <summary>
    /// The group sizes the server reads, and packed words of 8 inputs, which must divide every expert
    /// input. A group need not: a row's last group is then shorter (⌈in / group⌉ scales, as compressed-tensors writes them).
    /// </summary>
    private string? Int4Problem() =>
        GroupSize is not (32 or 64 or 128) ? $"--group-size must be 32, 64 or 128 (the INT4 group sizes the server reads), got {GroupSize}"
        : Hidden % 8 != 0 ? $"--hidden ({Hidden}) must be a multiple of 8 (nibbles per packed word) for INT4 experts"
        : MoeIntermediate % 8 != 0 ? $"--moe-intermediate ({MoeIntermediate}) must be a multiple of 8 (nibbles per packed word) for INT4 experts"
        : null;
}
