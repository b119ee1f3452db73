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
    private readonly Dictionary<int, LayerExperts> _layers; // MoE layer → its experts here
    private readonly HashSet<int> _expertIds;

    public ExpertGroup(ModelConfig config, IWeightSource weights, IEnumerable<int> expertIds)
    {
        _expertIds = [.. expertIds];
        foreach (int expert in _expertIds)
        {
            if (expert < 0 || expert >= config.NRoutedExperts)
                throw new ArgumentOutOfRangeException(nameof(expertIds), expert, $"expert ids run 0..{config.NRoutedExperts - 1}");
        }
        int[] moeLayers = [.. Enumerable.Range(0, config.NumHiddenLayers).Where(config.IsMoeLayer)];
        var loaded = ParallelLoad.Build(moeLayers.Length, weights.LoadThreads,
            i => LayerExperts.Load(config, weights, moeLayers[i], [.. _expertIds.Order()]));
        _layers = moeLayers.Zip(loaded).ToDictionary(p => p.First, p => p.Second);
    }

    public IReadOnlyCollection<int> ExpertIds => _expertIds;

    public bool Owns(int expert) => _expertIds.Contains(expert);

    public bool HasLayer(int layer) => _layers.ContainsKey(layer);

    /// <summary>
    /// Σ weight · Expert(x[token]) per token, [tokens, hidden], over the (token, expert, weight)
    /// assignments. One grouped kernel call for the whole layer: each expert's weights are read once
    /// for all its tokens.
    /// </summary>
    public Tensor Compute(int layer, Tensor x, IReadOnlyList<ExpertAssignment> assignments)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        if (!_layers.TryGetValue(layer, out var here))
            throw new ArgumentOutOfRangeException(nameof(layer), layer, "not a MoE layer of this model");
        var experts = here.Weights;
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
        foreach (var layer in _layers.Values)
            layer.Dispose();
    }

    /// <summary>One MoE layer's experts here, indexed by expert id (null: not here).</summary>
    private sealed class LayerExperts : IDisposable
    {
        private readonly SwiGluMlp?[] _byId;

        private LayerExperts(SwiGluMlp?[] byId)
        {
            _byId = byId;
            Weights = [.. byId.Select(mlp => mlp?.Weights)];
        }

        public ExpertWeights?[] Weights { get; }

        public static LayerExperts Load(ModelConfig config, IWeightSource weights, int layer, int[] expertIds)
        {
            var byId = new SwiGluMlp?[config.NRoutedExperts];
            try
            {
                foreach (int expert in expertIds)
                    byId[expert] = SwiGluMlp.Load(weights, $"model.layers.{layer}.mlp.experts.{expert}", config.HiddenSize, config.MoeIntermediateSize);
                return new LayerExperts(byId);
            }
            catch
            {
                foreach (var mlp in byId)
                    mlp?.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            foreach (var mlp in _byId)
                mlp?.Dispose();
        }
    }
}
