using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Layers;
using TorchSharp;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Single-process generation: batched prefill and decode of a set of sequences over their
/// latent KV caches. Not thread-safe: one caller at a time.
/// </summary>
public sealed class InferenceEngine : IDisposable
{
    private readonly KimiModel _model;
    private readonly IDisposable? _weightsOwner;

    public InferenceEngine(KimiModel model, string modelId, IDisposable? weightsOwner = null)
    {
        _model = model;
        ModelId = modelId;
        _weightsOwner = weightsOwner;
    }

    /// <summary>Loads a Hugging Face model directory (config.json + safetensors).</summary>
    public static InferenceEngine Load(string modelDirectory, Func<ModelConfig, IRoutedExperts>? routedExperts = null) =>
        Open(new ModelSource(modelDirectory), routedExperts);

    /// <summary>The built-in tiny model with deterministic random weights (no files needed).</summary>
    public static InferenceEngine CreateBuiltInTiny(Func<ModelConfig, IRoutedExperts>? routedExperts = null) =>
        Open(new ModelSource(null), routedExperts);

    /// <summary>
    /// Builds the model from <paramref name="source"/>; routed experts come from
    /// <paramref name="routedExperts"/> (e.g. remote expert workers) or are loaded in process.
    /// </summary>
    public static InferenceEngine Open(ModelSource source, Func<ModelConfig, IRoutedExperts>? routedExperts = null)
    {
        ComputeThreads.Configure();
        var weights = source.OpenWeights();
        try
        {
            using var noGrad = torch.no_grad();
            var model = new KimiModel(source.Config, weights, routedExperts?.Invoke(source.Config));
            return new InferenceEngine(model, source.ModelId, weights as IDisposable) { IsBuiltIn = source.Directory is null, Resident = weights.Resident };
        }
        catch
        {
            (weights as IDisposable)?.Dispose();
            throw;
        }
    }

    public ModelConfig Config => _model.Config;

    /// <summary>The name served as the model id: the directory name, or "kimi-tiny".</summary>
    public string ModelId { get; }

    public KimiModel Model => _model;

    /// <summary>Weights held, by form (INT4, FP8, BF16, F32), as loaded.</summary>
    public ResidentWeights Resident { get; init; } = new();

    /// <summary>The built-in tiny model (no directory, so no tokenizer files either).</summary>
    public bool IsBuiltIn { get; init; }

    /// <summary>Checkpoint tensors and bytes this process read (0 for the built-in model's generated weights).</summary>
    public (int Tensors, long Bytes) CheckpointLoad => _weightsOwner is SafetensorsCheckpoint checkpoint
        ? (checkpoint.LoadedTensors, checkpoint.LoadedBytes) : (0, 0);

    /// <summary>How a token reads in output text, for stop strings; the vLLM convention without a tokenizer.</summary>
    public Func<int, string> RenderToken { get; init; } = id => $"token_id:{id}";

    /// <summary>
    /// Runs the requests together as one batch until each finishes. <paramref name="onToken"/>
    /// is called with (request index, token) as soon as a token is sampled. Invalid prompts
    /// (empty, token id out of range, longer than the context) throw ArgumentException.
    /// </summary>
    public IReadOnlyList<GenerationResult> Generate(
        IReadOnlyList<GenerationRequest> requests, Action<int, GeneratedToken>? onToken = null)
    {
        foreach (var request in requests)
            Validate(request);
        using var noGrad = torch.no_grad();
        var sequences = requests.Select(r => new SequenceState(r, Config)).ToArray();
        try
        {
            while (Step(sequences, onToken))
            {
            }
            return sequences.Select(s => s.ToResult()).ToArray();
        }
        finally
        {
            foreach (var sequence in sequences)
                sequence.Dispose();
        }
    }

    /// <summary>One forward pass over every unfinished sequence; false when none is left.</summary>
    private bool Step(SequenceState[] sequences, Action<int, GeneratedToken>? onToken)
    {
        foreach (var sequence in sequences)
            sequence.CancelIfRequested();
        var running = Enumerable.Range(0, sequences.Length).Where(i => !sequences[i].IsFinished).ToArray();
        if (running.Length == 0)
            return false;
        var tokens = new List<int>();
        var segments = new List<AttentionSegment>();
        foreach (int i in running)
        {
            var input = sequences[i].NextInput;
            segments.Add(new AttentionSegment(tokens.Count, input.Count, sequences[i].Cache, sequences[i].Cache.Length));
            tokens.AddRange(input);
        }
        using var logits = _model.Forward(tokens, segments);
        var sampled = TokenSampler.Sample(logits, running.Select(i => sequences[i].Request.Sampling).ToArray(),
            running.Select(i => sequences[i].Random).ToArray(), running.Select(i => sequences[i].TokenCounts).ToArray());
        for (int r = 0; r < running.Length; r++)
        {
            sequences[running[r]].Accept(sampled[r], Config.EosTokenIds, Config.MaxPositionEmbeddings, RenderToken);
            onToken?.Invoke(running[r], sampled[r]);
        }
        return true;
    }

    internal void Validate(GenerationRequest request)
    {
        request.Sampling.Validate();
        var prompt = request.PromptTokenIds;
        if (prompt.Count == 0)
            throw new ArgumentException("the prompt must contain at least one token", "prompt");
        foreach (int token in prompt)
        {
            if (token < 0 || token >= Config.VocabSize)
                throw new ArgumentException($"prompt token id {token} is outside the vocabulary (0..{Config.VocabSize - 1})", "prompt");
        }
        if (prompt.Count + request.Sampling.MaxTokens > Config.MaxPositionEmbeddings)
            throw new ArgumentException(
                $"the prompt ({prompt.Count} tokens) plus max_tokens ({request.Sampling.MaxTokens}) exceeds the model's context of {Config.MaxPositionEmbeddings} tokens", "max_tokens");
    }

    public void Dispose()
    {
        _model.Dispose();
        _weightsOwner?.Dispose();
    }
}
