using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.Layers.Vision;
using Kimi.Cluster.Model.Exchange;
using TorchSharp;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// A model loaded for serving: the layers with their weights, what was read to build them, the
/// name it is served as, and the checks a request must pass. <see cref="ContinuousEngine"/> runs it.
/// </summary>
public sealed class LoadedModel : IDisposable
{
    private readonly KimiModel _model;
    private readonly IDisposable? _weightsOwner;

    public LoadedModel(KimiModel model, string modelId, IDisposable? weightsOwner = null)
    {
        _model = model;
        ModelId = modelId;
        _weightsOwner = weightsOwner;
    }

    /// <summary>Loads a Hugging Face model directory (config.json + safetensors).</summary>
    public static LoadedModel Load(string modelDirectory, Func<ModelConfig, IRoutedExperts>? routedExperts = null) =>
        Open(new ModelSource(modelDirectory), routedExperts);

    /// <summary>The built-in tiny model with deterministic random weights (no files needed).</summary>
    public static LoadedModel CreateBuiltInTiny(Func<ModelConfig, IRoutedExperts>? routedExperts = null) =>
        Open(new ModelSource(null), routedExperts);

    /// <summary>
    /// Builds the model from <paramref name="source"/>; routed experts come from
    /// <paramref name="routedExperts"/> (e.g. remote expert workers) or are loaded in process.
    /// What it reads is counted in <paramref name="progress"/>, when given.
    /// </summary>
    public static LoadedModel Open(ModelSource source, Func<ModelConfig, IRoutedExperts>? routedExperts = null, LoadProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ComputeThreads.Configure();
        var selection = routedExperts is null ? WeightSelection.Whole(source.Config) : WeightSelection.Dense(source.Config);
        var weights = source.OpenWeights(selection, progress);
        try
        {
            using var noGrad = torch.no_grad();
            var model = new KimiModel(source.Config, weights, routedExperts?.Invoke(source.Config));
            var (vision, visionNote) = LoadVision(source.Config, weights);
            return new LoadedModel(model, source.ModelId, weights as IDisposable)
            {
                IsBuiltIn = source.Directory is null, Resident = weights.Resident, Vision = vision, VisionNote = visionNote,
            };
        }
        catch
        {
            (weights as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// K2.5's vision encoder, when the config has one and the checkpoint stores its tensors; a
    /// text-only extraction of K2.5 serves text and refuses images (<see cref="VisionNote"/> says why).
    /// </summary>
    private static (IImageEncoder? Encoder, string? Note) LoadVision(ModelConfig config, IWeightSource weights)
    {
        if (config.Vision is not { } vision)
            return (null, null);
        if (weights is SafetensorsCheckpoint checkpoint && VisionEncoder.MissingTensors(vision, checkpoint) is [var first, ..] missing)
        {
            return (null, $"config.json describes a vision encoder, but the checkpoint lacks {missing.Count} of its tensors (e.g. {first}): " +
                "serving text only; requests with images are refused");
        }
        return (new VisionEncoder(vision, weights), null);
    }

    public ModelConfig Config => _model.Config;

    /// <summary>The image encoder (K2.5's MoonViT and projector); null when the model takes no images.</summary>
    public IImageEncoder? Vision { get; init; }

    /// <summary>Why a model whose config has a vision encoder takes no images (worth a warning at start); null otherwise.</summary>
    public string? VisionNote { get; init; }

    /// <summary>The name served as the model id: the directory name, or "kimi-tiny".</summary>
    public string ModelId { get; }

    public KimiModel Model => _model;

    /// <summary>Weights held, by form (INT4, FP8, BF16, F16, F32), as loaded.</summary>
    public ResidentWeights Resident { get; init; } = new();

    /// <summary>The built-in tiny model (no directory, so no tokenizer files either).</summary>
    public bool IsBuiltIn { get; init; }

    /// <summary>Checkpoint tensors and bytes this process read (0 for the built-in model's generated weights).</summary>
    public (int Tensors, long Bytes) CheckpointLoad => _weightsOwner is SafetensorsCheckpoint checkpoint
        ? (checkpoint.LoadedTensors, checkpoint.LoadedBytes) : (0, 0);

    /// <summary>
    /// Refuses a request the model cannot run: an invalid sampling setting, an empty prompt, a
    /// token id outside the vocabulary, or a prompt plus max_tokens past the context (ArgumentException).
    /// </summary>
    internal void Validate(GenerationRequest request)
    {
        request.Sampling.Validate();
        var prompt = request.PromptTokenIds;
        if (prompt.Count == 0)
            throw new ArgumentException("the prompt must contain at least one token", "prompt");
        if (request.ResumedTokens < 0 || request.ResumedTokens >= prompt.Count)
            throw new ArgumentException(
                $"generated_tokens ({request.ResumedTokens}) must be less than the prompt's {prompt.Count} tokens", "generated_tokens");
        foreach (int token in prompt)
        {
            if (token < 0 || token >= Config.VocabSize)
                throw new ArgumentException($"prompt token id {token} is outside the vocabulary (0..{Config.VocabSize - 1})", "prompt");
        }
        if (prompt.Count + request.Sampling.MaxTokens > Config.MaxPositionEmbeddings)
            throw new ArgumentException(
                $"the prompt ({prompt.Count} tokens) plus max_tokens ({request.Sampling.MaxTokens}) exceeds the model's context of {Config.MaxPositionEmbeddings} tokens", "max_tokens");
        ValidateImages(request);
    }

    /// <summary>Images need the encoder, and each its own run of prompt positions (before any resumed tokens) and the pixels its grid needs.</summary>
    private void ValidateImages(GenerationRequest request)
    {
        if (request.Images.Count == 0)
            return;
        if (Vision is null)
            throw new ArgumentException(VisionNote ?? "this model has no vision encoder, so it takes no images", "images");
        int originalPrompt = request.PromptTokenIds.Count - request.ResumedTokens, previousEnd = 0;
        foreach (var image in request.Images)
        {
            image.Grid.Validate();
            if (image.FirstToken < previousEnd || image.EndToken > originalPrompt)
                throw new ArgumentException(
                    $"image tokens [{image.FirstToken}, {image.EndToken}) must follow the previous image's and lie within the {originalPrompt}-token prompt", "images");
            if (image.PixelValues.LongLength != (long)image.Grid.Patches * Vision.Config.PatchInputs)
                throw new ArgumentException(
                    $"an image of {image.Grid.Rows}×{image.Grid.Columns} patches needs {(long)image.Grid.Patches * Vision.Config.PatchInputs} pixel values, not {image.PixelValues.LongLength}", "images");
            previousEnd = image.EndToken;
        }
    }

    public void Dispose()
    {
        Vision?.Dispose();
        _model.Dispose();
        _weightsOwner?.Dispose();
    }
}
