using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.RoutedExperts;

/// <summary>
/// Some routed experts (the same ids in every MoE layer) loaded in this process: all of them
/// in a single process, one shard's on an expert worker. Computes weighted partial sums with
/// the grouped SwiGLU kernel, the weights held as the checkpoint stores them.
/// </summary>
public sealed class ExpertGroup : IDisposable
{
    private readonly Dictionary<int, Dictionary<int, SwiGluMlp>> _experts = []; // layer → expert id → weights
    private readonly Dictionary<int, ExpertWeights?[]> _byLayer = [];            // layer → weights by expert id (null: not here)
    private readonly HashSet<int> _expertIds;

    public ExpertGroup(ModelConfig config, IWeightSource weights, IEnumerable<int> expertIds)
    {
        _expertIds = [.. expertIds];
        foreach (int expert in _expertIds)
        {
            if (expert < 0 || expert >= config.NRoutedExperts)
                throw new ArgumentOutOfRangeException(nameof(expertIds), expert, $"expert ids run 0..{config.NRoutedExperts - 1}");
        }
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            if (!config.IsMoeLayer(layer))
                continue;
            var loaded = _expertIds.Order().ToDictionary(e => e,
                e => SwiGluMlp.Load(weights, $"model.layers.{layer}.mlp.experts.{e}", config.HiddenSize, config.MoeIntermediateSize));
            _experts[layer] = loaded;
            _byLayer[layer] = [.. Enumerable.Range(0, config.NRoutedExperts).Select(e => loaded.TryGetValue(e, out var mlp) ? mlp.Weights : null)];
        }
    }

    public IReadOnlyCollection<int> ExpertIds => _expertIds;

    public bool Owns(int expert) => _expertIds.Contains(expert);

    public bool HasLayer(int layer) => _experts.ContainsKey(layer);

    /// <summary>
    /// Σ weight · Expert(x[token]) per token, [tokens, hidden], over the (token, expert, weight)
    /// assignments. One grouped kernel call for the whole layer: each expert's weights are read once
    /// for all its tokens.
    /// </summary>
    public Tensor Compute(int layer, Tensor x, IReadOnlyList<ExpertAssignment> assignments)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        if (!_byLayer.TryGetValue(layer, out var experts))
            throw new ArgumentOutOfRangeException(nameof(layer), layer, "not a MoE layer of this model");
        foreach (var assignment in assignments)
        {
            if (assignment.Expert < 0 || assignment.Expert >= experts.Length || experts[assignment.Expert] is null)
                throw new DataPlane.ExpertNotLoadedException($"expert {assignment.Expert} is not loaded here");
        }
        using var scope = NewDisposeScope();
        var input = TensorMemory.ContiguousFloat32(x);
        var output = empty(input.shape[0], input.shape[1]);
        if (input.shape[0] > 0)
        {
            var pairs = assignments as ExpertAssignment[] ?? [.. assignments];
            CpuKernels.Shared.ExpertSwiGlu(TensorMemory.Floats(input), (int)input.shape[0], pairs, experts, TensorMemory.Floats(output));
        }
        return output.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var expert in _experts.Values.SelectMany(l => l.Values))
            expert.Dispose();
    }
}
