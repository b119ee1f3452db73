using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// Kimi K2.5's image encoder: MoonViT (patch embedding + resampled position grid, 2D-RoPE
/// pre-norm blocks attending within each image, final LayerNorm), the 2×2 patch merger and the
/// projector into the text model's hidden size. Images of different sizes run packed in one call;
/// the result is one row per merged token, in the text model's embedding space. Weights come from
/// the source's top-level tensors (vision_tower.*, mm_projector.*), matrices held as stored.
/// </summary>
public sealed class VisionEncoder : IImageEncoder
{
    private readonly PatchEmbedding _patchEmbed;
    private readonly VisionBlock[] _blocks;
    private readonly LayerNorm _finalLayernorm;
    private readonly PatchMergerProjector _projector;
    private readonly VisionRotaryEmbedding _rotary;

    public VisionConfig Config { get; }

    /// <summary>
    /// Loads the encoder from <paramref name="weights"/>' <see cref="IWeightSource.Unprefixed"/>
    /// tensors (so the text model's source can be passed as it is); what it holds is counted in its
    /// <see cref="IWeightSource.Resident"/>. Check <see cref="MissingTensors"/> first to serve text only
    /// when a checkpoint lacks them.
    /// </summary>
    public VisionEncoder(VisionConfig config, IWeightSource weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Config = config;
        var source = weights.Unprefixed;
        _patchEmbed = PatchEmbedding.Load(config, source, VisionTensorNames.PatchEmbed);
        _blocks = ParallelLoad.Build(config.NumHiddenLayers, source.LoadThreads, b => VisionBlock.Load(config, source, b));
        _finalLayernorm = LayerNorm.Load(source, VisionTensorNames.FinalNorm, config.HiddenSize, VisionConfig.LayerNormEps);
        _projector = PatchMergerProjector.Load(config, source, VisionTensorNames.Projector);
        _rotary = new VisionRotaryEmbedding(config.HeadDim);
    }

    /// <summary>The vision tensors <paramref name="checkpoint"/> does not store (none: the encoder can load).</summary>
    public static IReadOnlyList<string> MissingTensors(VisionConfig config, SafetensorsCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return [.. VisionTensorNames.All(config).Where(name => !checkpoint.ContainsStored(name))];
    }

    /// <summary>
    /// [Σ merged tokens, text hidden] float32: image i's (rows/2)·(columns/2) tokens, row-major over
    /// its merged grid, start at row <see cref="VisionBatch.TokenStart"/>(i).
    /// </summary>
    public Tensor Forward(VisionBatch batch) => Run(batch, trace: null);

    /// <summary>Runs <paramref name="batch"/> keeping every intermediate (the caller disposes the trace).</summary>
    public VisionTrace Trace(VisionBatch batch)
    {
        var trace = new VisionTrace();
        Run(batch, trace).Dispose();
        return trace;
    }

    private Tensor Run(VisionBatch batch, VisionTrace? trace)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Validate(Config);
        using var scope = NewDisposeScope();
        var x = _patchEmbed.Forward(batch);                                   // [patches, hidden]
        trace?.RecordPatchEmbeddings(x);
        var (cos, sin) = _rotary.Angles(batch.Images);
        foreach (var block in _blocks)
        {
            var next = block.Forward(x, cos, sin, batch.Images);
            x.Dispose(); // only the latest residual stream is held: 75 MB a block at 16k patches
            x = next;
            trace?.RecordBlockOutput(x);
        }
        var merged = PatchMerger.Merge(_finalLayernorm.Forward(x), batch.Images); // [tokens, 4·hidden]
        trace?.RecordMerged(merged);
        var projected = _projector.Forward(merged);                           // [tokens, text hidden]
        trace?.RecordProjected(projected);
        return projected.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _patchEmbed.Dispose();
        foreach (var block in _blocks)
            block.Dispose();
        _finalLayernorm.Dispose();
        _projector.Dispose();
    }
}
