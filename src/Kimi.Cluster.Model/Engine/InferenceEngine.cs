using Kimi.Cluster.Model.Configuration;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Single-process generation: batched prefill and decode of a set of sequences over
/// their latent KV caches. Not thread-safe: one caller at a time.
/// </summary>
public sealed class InferenceEngine : IDisposable
{
    /// <summary>Loads a Hugging Face model directory (config.json + safetensors).</summary>
    public static InferenceEngine Load(string modelDirectory) => throw new NotImplementedException();

    /// <summary>The built-in tiny model with deterministic random weights (no files needed).</summary>
    public static InferenceEngine CreateBuiltInTiny() => throw new NotImplementedException();

    public ModelConfig Config => throw new NotImplementedException();

    /// <summary>The name served as the model id: the directory name, or "kimi-tiny".</summary>
    public string ModelId => throw new NotImplementedException();

    /// <summary>
    /// Runs the requests together as one batch until each finishes. <paramref name="onToken"/>
    /// is called with (request index, token) as soon as a token is sampled. Invalid prompts
    /// (empty, token id out of range, longer than the context) throw ArgumentException.
    /// </summary>
    public IReadOnlyList<GenerationResult> Generate(
        IReadOnlyList<GenerationRequest> requests, Action<int, GeneratedToken>? onToken = null) =>
        throw new NotImplementedException();

    public void Dispose()
    {
    }
}
