using Kimi.Cluster.Model.Caching;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.Layers.Vision;
using Kimi.Cluster.Model.TensorSupport;
using Kimi.Cluster.Scheduling;
using TorchSharp;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Continuous batching over a <see cref="PagedKvCache"/>: runs the steps a
/// <see cref="Scheduler{TRequest}"/> plans (decodes and prefill chunks mixed in one forward pass)
/// and samples each sequence's token with the state its <see cref="GenerationSequence"/> keeps;
/// the scheduler, which sees only token ids, decides from them when a request finishes. Holds no
/// request of its own. Not thread-safe: one loop drives the scheduler and this engine together.
/// </summary>
public sealed class ContinuousEngine : IStepEngine, IDisposable
{
    private readonly LoadedModel _model;

    /// <param name="model">Supplies the layers, the config and request validation; not owned.</param>
    public ContinuousEngine(LoadedModel model, CacheSize cacheSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        Cache = new PagedKvCache(model.Config, cacheSize);
    }

    public PagedKvCache Cache { get; }

    public void Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        _model.Validate(request);
    }

    public IReadOnlyList<SampledToken> Step<TSequence>(StepPlan<TSequence> plan, CancellationToken cancellation = default)
        where TSequence : GenerationSequence
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.IsEmpty)
            return [];
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var tokens = new List<int>(plan.TotalTokens);
        var segments = new List<AttentionSegment>(plan.Sequences.Count);
        var views = new List<PagedSequenceView>(plan.Sequences.Count);
        try
        {
            foreach (var s in plan.Sequences)
            {
                // Positions before Start (prefix-cached or computed earlier) are already in the blocks.
                var view = Cache.View(s.BlockTable, s.Start, s.Count);
                views.Add(view);
                segments.Add(new AttentionSegment(tokens.Count, s.Count, view, s.Start) { EmbeddedRows = ImageRows(s.Request, s.Start, s.Count) });
                tokens.AddRange(s.Tokens);
            }
            var logits = _model.Model.Forward(tokens, segments, cancellation: cancellation);
            return Sample(plan, logits);
        }
        finally
        {
            foreach (var view in views)
                view.Dispose();
            foreach (var s in plan.Sequences)
                ReleaseImagesBehind(s.Request, s.Start + s.Count);
        }
    }

    /// <summary>
    /// The encoder's rows for the image positions in [start, start + count) of the sequence's tokens,
    /// encoding its images (all of them, in one call) the first time a step reaches one. Positions a
    /// prefix-cache hit covers are never asked for, so a cached image is not encoded again.
    /// </summary>
    private List<EmbeddedRows> ImageRows(GenerationSequence sequence, int start, int count)
    {
        var rows = new List<EmbeddedRows>();
        int offset = 0; // the image's first row among the sequence's encoder rows
        foreach (var image in sequence.Request.Images)
        {
            int from = Math.Max(start, image.FirstToken), to = Math.Min(start + count, image.EndToken);
            if (from < to)
            {
                sequence.ImageEmbeddings ??= EncodeImages(sequence.Request.Images);
                rows.Add(new EmbeddedRows(from - start, sequence.ImageEmbeddings.narrow(0, offset + from - image.FirstToken, to - from)));
            }
            offset += image.Tokens;
        }
        return rows;
    }

    private Tensor EncodeImages(IReadOnlyList<PromptImageInput> images)
    {
        var encoder = _model.Vision ?? throw new InvalidOperationException("a request with images reached a model without a vision encoder");
        using var scope = NewDisposeScope();
        // The images' pixel rows packed straight into the tensor (a large image is hundreds of MB).
        long patches = images.Sum(i => (long)i.Grid.Patches);
        using var pixelTensor = empty([patches, encoder.Config.PatchInputs], ScalarType.Float32);
        var pixels = TensorMemory.Floats(pixelTensor);
        int at = 0;
        foreach (var image in images)
        {
            image.PixelValues.CopyTo(pixels[at..]);
            at += image.PixelValues.Length;
        }
        // Kept across steps (a long prompt's prefill takes several), so outside every dispose scope.
        return encoder.Forward(new VisionBatch(pixelTensor, [.. images.Select(i => i.Grid)])).DetachFromDisposeScope();
    }

    /// <summary>Frees a sequence's encoder rows once its computed tokens are past its last image.</summary>
    private static void ReleaseImagesBehind(GenerationSequence sequence, int computedEnd)
    {
        if (sequence.ImageEmbeddings is { } embeddings && computedEnd >= sequence.Request.Images[^1].EndToken)
        {
            embeddings.Dispose();
            sequence.ImageEmbeddings = null;
        }
    }

    private static List<SampledToken> Sample<TSequence>(StepPlan<TSequence> plan, Tensor logits) where TSequence : GenerationSequence
    {
        var rows = new List<long>();
        var sequences = new List<GenerationSequence>();
        for (int i = 0; i < plan.Sequences.Count; i++)
        {
            if (plan.Sequences[i].SamplesToken)
            {
                rows.Add(i);
                sequences.Add(plan.Sequences[i].Request);
            }
        }
        if (rows.Count == 0)
            return [];
        // Decode steps sample every row: the logits as they are.
        var picked = rows.Count == logits.size(0) ? logits : logits.index_select(0, tensor(rows.ToArray()));
        var sampled = TokenSampler.Sample(picked, [.. sequences.Select(s => s.Request.Sampling)],
            [.. sequences.Select(s => s.Random)], [.. sequences.Select(s => s.TokenCounts)], [.. sequences.Select(s => s.AllowedNext)]);
        var results = new List<SampledToken>(rows.Count);
        for (int r = 0; r < sequences.Count; r++)
        {
            sequences[r].Accept(sampled[r]);
            results.Add(new SampledToken(sequences[r].Id, sampled[r].TokenId));
        }
        return results;
    }

    public void Dispose() => Cache.Dispose();
}
