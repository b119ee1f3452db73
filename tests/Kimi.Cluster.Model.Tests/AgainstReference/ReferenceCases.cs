using System.Collections.Concurrent;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Tests.Reference;

namespace Kimi.Cluster.Model.Tests.AgainstReference;

/// <summary>
/// Tiny random checkpoints written to disk in the Hugging Face layout, each loaded once by our
/// engine and once by the double-precision reference; shared by the tests of a class.
/// </summary>
public sealed class ReferenceCases : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ReferenceCase>> _cases = new();

    public static TheoryData<string> Names => ["kimi_k2", "deepseek_v3", "kimi_k25", "kimi_k2_q_proj", "kimi_k2_sharded"];

    public static TinyModelSpec Spec(string name) => name switch
    {
        "kimi_k2" or "kimi_k2_sharded" => TinyModelSpec.KimiK2Style,
        "deepseek_v3" => TinyModelSpec.DeepSeekV3Style,
        "kimi_k25" => TinyModelSpec.KimiK25Nested,
        "kimi_k2_q_proj" => TinyModelSpec.KimiK2Style with { QLoraRank = null },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    // A larger lm_head gain separates the top logits, so greedy tokens do not flip on float32 rounding.
    private static TinyCheckpointOptions Options(string name) =>
        new() { ShardCount = name == "kimi_k2_sharded" ? 3 : 1, LmHeadGain = 3 };

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

    private ReferenceCase(TempDirectory directory, ReferenceWeights weights, InferenceEngine engine)
    {
        _directory = directory;
        Reference = new ReferenceModel(weights);
        Engine = engine;
    }

    public ReferenceModel Reference { get; }
    public InferenceEngine Engine { get; }
    public string Directory => _directory.Path;

    public static ReferenceCase Create(TinyModelSpec spec, TinyCheckpointOptions options)
    {
        var directory = new TempDirectory();
        var weights = TinyCheckpointWriter.Write(directory.Path, spec, options);
        return new ReferenceCase(directory, weights, InferenceEngine.Load(directory.Path));
    }

    public void Dispose()
    {
        Engine.Dispose();
        _directory.Dispose();
    }
}
