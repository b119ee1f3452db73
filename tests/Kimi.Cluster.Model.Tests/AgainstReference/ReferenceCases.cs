using System.Text.Json.Nodes;
using System.Collections.Concurrent;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Model.Tests.AgainstReference;

/// <summary>
/// Tiny random checkpoints written to disk in the Hugging Face layout, each loaded once by our
/// engine and once by the double-precision reference; shared by the tests of a class.
/// </summary>
public sealed class ReferenceCases : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ReferenceCase>> _cases = new();

    public static TheoryData<string> Names =>
    [
        "kimi_k2", "deepseek_v3", "kimi_k25", "kimi_k2_q_proj", "kimi_k2_sharded",
        // Every weight stored F16 (held as F16, decoded exactly in the kernels).
        "kimi_k2_f16",
        // Weights held as stored: INT4 routed experts (K2-Thinking and K2.5 layouts, groups 32/64/128)
        // and block FP8 with partial 128-blocks (K2-Instruct and DeepSeek-V3 layouts).
        // kimi_k2_int4_partial: groups of 64 that divide neither hidden (160) nor moe_intermediate (96), so
        // every expert row ends in a shorter group (compressed-tensors' ⌈in / group⌉ scales).
        // kimi_k2_int4_targets: the routed experts named by the group's targets (a "re:" pattern), no ignore list.
        // kimi_k2_int4_every_linear: attention (kv_b_proj included), shared experts and the dense MLP INT4 as well.
        "kimi_k2_thinking_int4", "kimi_k25_int4", "kimi_k2_int4_g64", "kimi_k2_int4_g128", "kimi_k2_int4_partial", "kimi_k2_int4_targets",
        "kimi_k2_int4_every_linear",
        "kimi_k2_instruct_fp8", "deepseek_v3_fp8",
    ];

    public static TinyModelSpec Spec(string name) => name switch
    {
        "kimi_k2" or "kimi_k2_sharded" or "kimi_k2_f16" => TinyModelSpec.KimiK2Style,
        "deepseek_v3" => TinyModelSpec.DeepSeekV3Style,
        "kimi_k25" => TinyModelSpec.KimiK25Nested,
        "kimi_k2_q_proj" => TinyModelSpec.KimiK2Style with { QLoraRank = null },
        "kimi_k2_thinking_int4" or "kimi_k2_int4_targets" or "kimi_k2_int4_every_linear" => TinyModelSpec.KimiK2Style,
        "kimi_k25_int4" => TinyModelSpec.KimiK25Nested,
        "kimi_k2_int4_g64" => TinyModelSpec.KimiK2Style with { MoeIntermediateSize = 64 },
        "kimi_k2_int4_g128" => TinyModelSpec.KimiK2Style with { HiddenSize = 128, MoeIntermediateSize = 128 },
        "kimi_k2_int4_partial" => TinyModelSpec.KimiK2Style with { HiddenSize = 160, MoeIntermediateSize = 96 },
        "kimi_k2_instruct_fp8" => TinyModelSpec.KimiK2Style with { HiddenSize = 160, MoeIntermediateSize = 136, IntermediateSize = 200 },
        "deepseek_v3_fp8" => TinyModelSpec.DeepSeekV3Style,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    // A larger lm_head gain separates the top logits, so greedy tokens do not flip on float32 rounding.
    private static TinyCheckpointOptions Options(string name) => new()
    {
        ShardCount = name == "kimi_k2_sharded" ? 3 : 1,
        WeightDtype = name == "kimi_k2_f16" ? StoredDtype.F16 : StoredDtype.BF16,
        LmHeadGain = 3,
        Quantization = name switch
        {
            "kimi_k2_thinking_int4" or "kimi_k25_int4" => CheckpointQuantization.Int4Group(32),
            "kimi_k2_int4_g64" or "kimi_k2_int4_partial" => CheckpointQuantization.Int4Group(64),
            "kimi_k2_int4_every_linear" => CheckpointQuantization.Int4Group(32) with { Int4EveryLinear = true },
            "kimi_k2_int4_targets" => CheckpointQuantization.Int4Group(32) with
            {
                EditConfig = QuantizationConfigEdits.Set("config_groups.group_0.targets", new JsonArray(@"re:.*mlp\.experts\.\d+\.(gate|up|down)_proj$"))
                    + QuantizationConfigEdits.Set("ignore", new JsonArray()),
            },
            "kimi_k2_int4_g128" => CheckpointQuantization.Int4Group(128),
            "kimi_k2_instruct_fp8" or "deepseek_v3_fp8" => CheckpointQuantization.Fp8Block,
            _ => null,
        },
    };

    public ReferenceCase Get(string name) =>
        _cases.GetOrAdd(name, n => new Lazy<ReferenceCase>(() => ReferenceCase.Create(Spec(n), Options(n)))).Value;

    public void Dispose()
    {
        foreach (var lazy in _cases.Values.Where(l => l.IsValueCreated))
            lazy.Value.Dispose();
    }
}

/// <summary>One checkpoint on disk with our engine and the reference over the same weights.</summary>
public sealed class ReferenceCase : IDisposable
{
    private readonly TempDirectory _directory;

    private ReferenceCase(TempDirectory directory, ReferenceWeights weights, LoadedModel engine)
    {
        _directory = directory;
        Reference = new ReferenceModel(weights);
        Engine = engine;
    }

    public ReferenceModel Reference { get; }
    public LoadedModel Engine { get; }
    public string Directory => _directory.Path;

    public static ReferenceCase Create(TinyModelSpec spec, TinyCheckpointOptions options)
    {
        var directory = new TempDirectory();
        var weights = TinyCheckpointWriter.Write(directory.Path, spec, options);
        return new ReferenceCase(directory, weights, LoadedModel.Load(directory.Path));
    }

    public void Dispose()
    {
        Engine.Dispose();
        _directory.Dispose();
    }
}
