using Kimi.Cluster.Model.Caching;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>Pre-norm residual block: h = x + MLA(norm(x)); out = h + MLP(norm(h)), the MLP dense or MoE.</summary>
public sealed class DecoderLayer : IDisposable
{
    private readonly RmsNorm _inputLayernorm;
    private readonly RmsNorm _postAttentionLayernorm;
    private readonly SwiGluMlp? _denseMlp;

    public MlaAttention SelfAttn { get; }

    /// <summary>The norm of the layer's input, which <see cref="MlaAttention.Forward"/> applies on the way into its projections.</summary>
    public RmsNorm InputLayernorm => _inputLayernorm;
    public MoeBlock? Moe { get; }

    public DecoderLayer(ModelConfig config, int layer, IWeightSource weights, IRoutedExperts experts)
    {
        string p = $"model.layers.{layer}";
        _inputLayernorm = RmsNorm.Load(weights, p + ".input_layernorm", config.HiddenSize, config.RmsNormEps);
        SelfAttn = new MlaAttention(config, layer, weights);
        _postAttentionLayernorm = RmsNorm.Load(weights, p + ".post_attention_layernorm", config.HiddenSize, config.RmsNormEps);
        if (config.IsMoeLayer(layer))
            Moe = new MoeBlock(config, layer, weights, experts);
        else
            _denseMlp = SwiGluMlp.Load(weights, p + ".mlp", config.HiddenSize, config.IntermediateSize);
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, IReadOnlyList<AttentionSegment> segments)
    {
        using var scope = NewDisposeScope();
        return Begin(x, cos, sin, segments)().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Attention, then the MLP started (for MoE: experts dispatched, shared expert run); the returned
    /// function finishes the layer. Splitting here lets one micro-batch's attention run while another's
    /// experts compute. Tensors land in the caller's dispose scope, which must outlive the finish.
    /// </summary>
    public Func<Tensor> Begin(Tensor x, Tensor cos, Tensor sin, IReadOnlyList<AttentionSegment> segments, CancellationToken cancellation = default)
    {
        // Each residual sum goes into the block's fresh output (x + y and y + x are the same bits).
        var h = SelfAttn.Forward(x, _inputLayernorm, cos, sin, segments).AddInPlace(x);
        var normed = _postAttentionLayernorm.Forward(h);
        if (Moe is not null)
        {
            var finishMoe = Moe.Start(normed, cancellation);
            return () => finishMoe().AddInPlace(h);
        }
        var dense = _denseMlp!.Forward(normed); // dense when not MoE (constructor)
        return () => dense.AddInPlace(h);
    }

    public void Dispose()
    {
        _inputLayernorm.Dispose();
        SelfAttn.Dispose();
        _postAttentionLayernorm.Dispose();
        _denseMlp?.Dispose();
        Moe?.Dispose();
    }
}
