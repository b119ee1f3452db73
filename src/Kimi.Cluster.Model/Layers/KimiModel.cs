using Kimi.Cluster.Model.Caching;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// The DeepSeek-V3 / Kimi K2 text model: embed → decoder layers → final norm → lm_head, over a
/// flattened batch of sequences (each a segment of the step's tokens with its own cache).
/// </summary>
public sealed class KimiModel : IDisposable
{
    private readonly Embedding _embedTokens; // [vocab, hidden]
    private readonly RmsNorm _norm;
    private readonly Linear _lmHead;         // [vocab, hidden]
    private readonly YarnRotaryEmbedding _rotary;

    public ModelConfig Config { get; }
    public IReadOnlyList<DecoderLayer> Layers { get; }
    public IRoutedExperts Experts { get; }

    public KimiModel(ModelConfig config, IWeightSource weights, IRoutedExperts? experts = null)
    {
        Config = config;
        Experts = experts ?? new LocalRoutedExperts(config, weights);
        MicroBatchOverlap = Experts.ComputesElsewhere;
        var embedTable = weights.LoadMatrix("model.embed_tokens", config.VocabSize, config.HiddenSize, isLinear: false);
        // Tied: lm_head owns the one table, the embedding reads it.
        _embedTokens = new Embedding(embedTable, ownsTable: !config.TieWordEmbeddings);
        Layers = ParallelLoad.Build(config.NumHiddenLayers, weights.LoadThreads, l => new DecoderLayer(config, l, weights, Experts));
        _norm = RmsNorm.Load(weights, "model.norm", config.HiddenSize, config.RmsNormEps);
        _lmHead = config.TieWordEmbeddings ? new Linear(embedTable) : Linear.Load(weights, "lm_head", config.VocabSize, config.HiddenSize);
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
    /// or [tokens, vocab] at every token when <paramref name="allPositions"/>. Cancelling
    /// <paramref name="cancellation"/> abandons the routed experts' remote work (the step then fails).
    /// </summary>
    public Tensor Forward(IReadOnlyList<int> tokenIds, IReadOnlyList<AttentionSegment> segments, bool allPositions = false,
        CancellationToken cancellation = default)
    {
        using var scope = NewDisposeScope();
        var batches = MicroBatch.Split(tokenIds, segments, MicroBatchOverlap);
        var angles = batches.Select(b => _rotary.Angles(b.Positions)).ToArray();
        foreach (var batch in batches)
        {
            batch.Hidden = _embedTokens.Forward(batch.TokenIds);  // [tokens, hidden]
            foreach (var segment in batch.Segments)
            {
                // Image placeholders take the encoder's rows instead of the table's.
                foreach (var embedded in segment.EmbeddedRows)
                {
                    if (embedded.Offset < 0 || embedded.Offset + embedded.Rows.size(0) > segment.TokenCount)
                        throw new ArgumentException($"embedded rows [{embedded.Offset}, +{embedded.Rows.size(0)}) fall outside their segment of {segment.TokenCount} tokens", nameof(segments));
                    batch.Hidden.narrow(0, segment.TokenStart + embedded.Offset, embedded.Rows.size(0)).copy_(embedded.Rows);
                }
            }
        }
        foreach (var layer in Layers)
        {
            using var layerScope = NewDisposeScope();
            // Begin every micro-batch before finishing any: B's attention overlaps A's experts.
            var finishes = batches.Select((b, i) => layer.Begin(b.Hidden, angles[i].Cos, angles[i].Sin, b.Segments, cancellation)).ToArray();
            for (int i = 0; i < batches.Count; i++)
                batches[i].Hidden = finishes[i]().MoveToOuterDisposeScope();
        }
        var rows = batches.Select(b => allPositions || b.EveryRowIsLast ? b.Hidden : b.Hidden.index_select(0, tensor(b.LastRows))).ToArray();
        var hidden = rows.Length == 1 ? rows[0] : cat(rows, 0);
        return _lmHead.Forward(_norm, hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Split each step into two micro-batches so attention and remote experts overlap; on by default
    /// when the experts compute elsewhere (see <see cref="IRoutedExperts.ComputesElsewhere"/>).
    /// </summary>
    public bool MicroBatchOverlap { get; set; }

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
