using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Which weights a tiny checkpoint stores quantized, how, and the config.json
/// "quantization_config" that announces it. Set <see cref="TinyCheckpointOptions.Quantization"/>
/// to <see cref="Int4Group"/>(g) or <see cref="Fp8Block"/>; <see cref="EditConfig"/> and
/// <see cref="OmitFromConfig"/> produce the inconsistent configs that negative tests need.
/// </summary>
public sealed partial record CheckpointQuantization
{
    private CheckpointQuantization(CheckpointQuantizationKind kind, int groupSize, int blockSize)
    {
        Kind = kind;
        GroupSize = groupSize;
        BlockSize = blockSize;
    }

    public CheckpointQuantizationKind Kind { get; }

    /// <summary>INT4: inputs that share one scale (a multiple of 8, dividing every expert's in-features).</summary>
    public int GroupSize { get; }

    /// <summary>FP8: edge of the square blocks that share one scale; edge blocks may be partial.</summary>
    public int BlockSize { get; }

    /// <summary>
    /// INT4 scale = max|w| / divisor. 7 maps each group onto −7..7, so the code −8 never occurs;
    /// 7.5 (what compressed-tensors' own min-max observer uses) also produces −8 at a group's
    /// negative extreme, which a nibble decoder must handle too.
    /// </summary>
    public double Int4ScaleDivisor { get; init; } = 7.0;

    /// <summary>
    /// Changes the "quantization_config" object before it is written (the tensors stay as they
    /// are); see <see cref="QuantizationConfigEdits"/>. Delegates combine with <c>+</c>.
    /// </summary>
    public Action<JsonObject>? EditConfig { get; init; }

    /// <summary>
    /// INT4 of every attention and MLP Linear (shared experts, the dense MLP and kv_b_proj too), not
    /// only the routed experts; the config then ignores lm_head alone.
    /// </summary>
    public bool Int4EveryLinear { get; init; }

    /// <summary>Writes the quantized tensors but no "quantization_config" at all.</summary>
    public bool OmitFromConfig { get; init; }

    /// <summary>compressed-tensors pack-quantized INT4 of the routed experts, one scale per <paramref name="groupSize"/> inputs.</summary>
    public static CheckpointQuantization Int4Group(int groupSize = 32)
    {
        if (groupSize <= 0 || groupSize % 8 != 0)
        {
            // A group must cover whole int32 words of eight nibbles.
            throw new ArgumentOutOfRangeException(nameof(groupSize), "group size must be a positive multiple of 8");
        }
        return new(CheckpointQuantizationKind.Int4Group, groupSize, 0);
    }

    /// <summary>FP8 E4M3 of every attention and MLP Linear, one float32 scale per 128×128 block.</summary>
    public static CheckpointQuantization Fp8Block { get; } = new(CheckpointQuantizationKind.Fp8Block, 0, 128);

    /// <summary>Whether <paramref name="tensor"/> is stored quantized under this scheme.</summary>
    public bool Quantizes(TinyTensorSpec tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.IsText || tensor.Shape.Length != 2)
        {
            return false;
        }
        return Kind switch
        {
            CheckpointQuantizationKind.Int4Group => (Int4EveryLinear ? AttentionOrMlpLinear() : RoutedExpertLinear()).IsMatch(tensor.Name),
            CheckpointQuantizationKind.Fp8Block => AttentionOrMlpLinear().IsMatch(tensor.Name),
            _ => throw new InvalidOperationException($"kind {Kind}"),
        };
    }

    /// <summary>The "quantization_config" object as the released checkpoints write it, after <see cref="EditConfig"/>.</summary>
    public JsonObject ConfigJson()
    {
        var config = Kind switch
        {
            CheckpointQuantizationKind.Int4Group => new JsonObject
            {
                ["config_groups"] = new JsonObject
                {
                    ["group_0"] = new JsonObject
                    {
                        ["input_activations"] = null,
                        ["output_activations"] = null,
                        ["targets"] = new JsonArray("Linear"),
                        ["weights"] = new JsonObject
                        {
                            ["actorder"] = null,
                            ["block_structure"] = null,
                            ["dynamic"] = false,
                            ["group_size"] = GroupSize,
                            ["num_bits"] = 4,
                            ["observer"] = "minmax",
                            ["observer_kwargs"] = new JsonObject(),
                            ["strategy"] = "group",
                            ["symmetric"] = true,
                            ["type"] = "int",
                        },
                    },
                },
                ["format"] = "pack-quantized",
                ["ignore"] = Int4EveryLinear
                    ? new JsonArray("lm_head")
                    : new JsonArray("lm_head", "re:.*self_attn.*", "re:.*shared_experts.*", @"re:.*mlp\.(gate|up|gate_up|down)_proj.*"),
                ["kv_cache_scheme"] = null,
                ["quant_method"] = "compressed-tensors",
                ["quantization_status"] = "compressed",
            },
            CheckpointQuantizationKind.Fp8Block => new JsonObject
            {
                ["activation_scheme"] = "dynamic",
                ["fmt"] = "e4m3",
                ["quant_method"] = "fp8",
                ["weight_block_size"] = new JsonArray(BlockSize, BlockSize),
            },
            _ => throw new InvalidOperationException($"kind {Kind}"),
        };
        EditConfig?.Invoke(config);
        return config;
    }

    // The released INT4 checkpoints quantize only the routed experts (see the "ignore" list).
    [GeneratedRegex(@"^model\.layers\.\d+\.mlp\.experts\.\d+\.(gate|up|down)_proj\.weight$")]
    private static partial Regex RoutedExpertLinear();

    // DeepSeek's FP8 release quantizes every Linear in attention and MLP, but not the router,
    // the embeddings, lm_head, norms or biases.
    [GeneratedRegex(@"^model\.layers\.\d+\.(self_attn\.(q_a_proj|q_b_proj|q_proj|kv_a_proj_with_mqa|kv_b_proj|o_proj)|mlp\.(experts\.\d+\.|shared_experts\.)?(gate|up|down)_proj)\.weight$")]
    private static partial Regex AttentionOrMlpLinear();
}
