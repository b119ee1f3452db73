using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;
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

    /// <summary>The shared expert, run on every token; null when the model has none.</summary>
    public SwiGluMlp? SharedExperts => _sharedExperts;

    public Tensor Forward(Tensor x) // [tokens, hidden]
    {
        using var scope = NewDisposeScope();
        return Start(x)().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Routes and dispatches the tokens with the shared expert (run here meanwhile when the routed
    /// experts compute elsewhere, in their kernel call when they are in process), and returns the
    /// combine still to do. Tensors land in the caller's dispose scope, which must outlive the combine.
    /// Cancelling <paramref name="cancellation"/> (the step's) abandons remote experts' work.
    /// </summary>
    public Func<Tensor> Start(Tensor x, CancellationToken cancellation = default)
    {
        var routing = _gate.Forward(x);
        var pending = _sharedExperts is null
            ? _experts.Dispatch(_layer, x, routing, cancellation)
            : _experts.DispatchWithShared(_layer, x, routing, _sharedExperts, cancellation);
        return pending.Combine;
    }

    public void Dispose()
    {
        _gate.Dispose();
        _sharedExperts?.Dispose();
    }
}
