using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// The DeepSeek-V3 / Kimi K2 text model: embed → decoder layers → final norm → lm_head, over a
/// flattened batch of sequences (each a segment of the step's tokens with its own cache).
/// </summary>
public sealed class KimiModel : IDisposable
{
    private readonly Tensor _embedTokens; // [vocab, hidden]
    private readonly RmsNorm _norm;
    private readonly Tensor _lmHead;      // [vocab, hidden]
    private readonly YarnRotaryEmbedding _rotary;

    public ModelConfig Config { get; }
    public IReadOnlyList<DecoderLayer> Layers { get; }
    public IRoutedExperts Experts { get; }

    public KimiModel(ModelConfig config, IWeightSource weights, IRoutedExperts? experts = null)
    {
        Config = config;
        Experts = experts ?? new LocalRoutedExperts(config, weights);
        _embedTokens = weights.Load("model.embed_tokens.weight", config.VocabSize, config.HiddenSize);
        Layers = Enumerable.Range(0, config.NumHiddenLayers).Select(l => new DecoderLayer(config, l, weights, Experts)).ToArray();
        _norm = RmsNorm.Load(weights, "model.norm", config.HiddenSize, config.RmsNormEps);
        _lmHead = config.TieWordEmbeddings ? _embedTokens.alias() : weights.Load("lm_head.weight", config.VocabSize, config.HiddenSize);
        _rotary = new YarnRotaryEmbedding(config);
    }

    /// <summary>Switches every layer between the naive and the absorbed MLA form.</summary>
    public MlaForm AttentionForm
    {
        get => Layers[0].SelfAttn.Form;
        set
        {
            foreach (var layer in Layers)
                layer.SelfAttn.Form = value;
        }
    }

    /// <summary>
    /// Runs the step's tokens (segments laid end to end) through the model, appending to each
    /// segment's cache. Returns float32 logits [segments, vocab] at each segment's last token,
    /// or [tokens, vocab] at every token when <paramref name="allPositions"/>.
    /// </summary>
    public Tensor Forward(IReadOnlyList<int> tokenIds, IReadOnlyList<AttentionSegment> segments, bool allPositions = false)
    {
        using var scope = NewDisposeScope();
        var positions = segments.SelectMany(s => Enumerable.Range(0, s.TokenCount).Select(i => (int)(s.StartPosition + i))).ToArray();
        var (cos, sin) = _rotary.Angles(positions);
        var hidden = _embedTokens.index_select(0, tensor(tokenIds.Select(t => (long)t).ToArray()));  // [tokens, hidden]
        foreach (var layer in Layers)
            hidden = layer.Forward(hidden, cos, sin, segments);
        if (!allPositions)
            hidden = hidden.index_select(0, tensor(segments.Select(s => (long)(s.TokenStart + s.TokenCount - 1)).ToArray()));
        return linear(_norm.Forward(hidden), _lmHead).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _embedTokens.Dispose();
        foreach (var layer in Layers)
            layer.Dispose();
        _norm.Dispose();
        _lmHead.Dispose();
        Experts.Dispose();
    }
}
