using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>Σ wᵢ·Expertᵢ(x) over the gate's choice, plus the shared expert on every token.</summary>
public sealed class MoeBlock : IDisposable
{
    private readonly int _layer;
    private readonly MoeGate _gate;
    private readonly SwiGluMlp? _sharedExperts;
    private readonly IRoutedExperts _experts;

    public MoeBlock(ModelConfig config, int layer, IWeightSource weights, IRoutedExperts experts)
    {
        _layer = layer;
        _experts = experts;
        string p = $"model.layers.{layer}.mlp";
        _gate = new MoeGate(config, p + ".gate", weights);
        if (config.NSharedExperts > 0)
            _sharedExperts = SwiGluMlp.Load(weights, p + ".shared_experts", config.HiddenSize, (long)config.MoeIntermediateSize * config.NSharedExperts);
    }

    public MoeGate Gate => _gate;

    public Tensor Forward(Tensor x) // [tokens, hidden]
    {
        using var scope = NewDisposeScope();
        return Start(x)().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Routes and dispatches the tokens, runs the shared expert meanwhile, and returns the
    /// combine still to do. Tensors land in the caller's dispose scope, which must outlive the combine.
    /// Cancelling <paramref name="cancellation"/> (the step's) abandons remote experts' work.
    /// </summary>
    public Func<Tensor> Start(Tensor x, CancellationToken cancellation = default)
    {
        var routing = _gate.Forward(x);
        var pending = _experts.Dispatch(_layer, x, routing, cancellation);
        var shared = _sharedExperts?.Forward(x); // overlaps with remote experts
        return () =>
        {
            var routed = pending.Combine();
            return shared is null ? routed : routed.Plus(shared);
        };
    }

    public void Dispose()
    {
        _gate.Dispose();
        _sharedExperts?.Dispose();
    }
}
