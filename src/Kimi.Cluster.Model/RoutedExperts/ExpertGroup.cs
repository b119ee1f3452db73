using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;
using Kimi.Cluster.Model.Layers;

namespace Kimi.Cluster.Model.RoutedExperts;

/// <summary>
/// Some routed experts (the same ids in every MoE layer) loaded in this process: all of them
/// in a single process, one shard's on an expert worker. Computes an <see cref="ExpertWork"/>'s
/// weighted partial sums with the grouped SwiGLU kernel, the weights held as the checkpoint stores them.
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

    /// <summary>
    /// Frees one expert's weights (every layer); the caller makes sure no computation still reads
    /// them. Returns whether the group holds no expert any more.
    /// </summary>
    public bool Release(int expert)
    {
        if (_expertIds.Remove(expert))
        {
            foreach (var layer in _layers.Values)
                layer.Release(expert);
        }
        return _expertIds.Count == 0;
    }

    public bool Owns(int expert) => _expertIds.Contains(expert);

    public bool HasLayer(int layer) => _layers.ContainsKey(layer);

    /// <summary>This group's weights for a MoE layer, indexed by expert id (null: not here); null for another layer.</summary>
    public IReadOnlyList<ExpertWeights?>? WeightsOf(int layer) => _layers.TryGetValue(layer, out var here) ? here.Weights : null;

    /// <summary>
    /// Σ weight · Expert(x[token]) per token, float32 [tokens, hidden], over the work's pairs. One
    /// grouped kernel call for the whole layer: each expert's weights are read once for all its tokens.
    /// </summary>
    public float[] Compute(ExpertWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Compute(work, LayerWeights(work));
    }

    /// <summary><see cref="Compute(ExpertWork)"/> written into <paramref name="output"/> ([tokens, hidden]).</summary>
    public void Compute(ExpertWork work, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(work);
        Compute(work, LayerWeights(work), output);
    }

    /// <summary>The work computed with <paramref name="experts"/> (by expert id); an expert that is not there throws <see cref="ExpertNotLoadedException"/>.</summary>
    public static float[] Compute(ExpertWork work, IReadOnlyList<ExpertWeights?> experts)
    {
        ArgumentNullException.ThrowIfNull(work);
        var output = new float[work.Hidden.Length];
        Compute(work, experts, output);
        return output;
    }

    /// <summary><see cref="Compute(ExpertWork, IReadOnlyList{ExpertWeights?})"/> written into <paramref name="output"/> ([tokens, hidden]).</summary>
    public static void Compute(ExpertWork work, IReadOnlyList<ExpertWeights?> experts, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(experts);
        CheckLoaded(work, experts);
        Sums(work, work.Assignments(), experts, output);
    }

    /// <summary>
    /// <see cref="Compute(ExpertWork)"/> plus <paramref name="shared"/> (the shared expert, same
    /// shape as the routed ones) on every token, in the same grouped call: it is one more expert,
    /// numbered after every routed one so the kernel adds it last, with weight 1. Each sum is then
    /// the routed sum + Shared(x), bit for bit what computing the two apart and adding gives.
    /// </summary>
    public float[] ComputeWithShared(ExpertWork work, ExpertWeights shared)
    {
        ArgumentNullException.ThrowIfNull(work);
        var output = new float[work.Hidden.Length];
        ComputeWithShared(work, shared, output);
        return output;
    }

    /// <summary><see cref="ComputeWithShared(ExpertWork, ExpertWeights)"/> written into <paramref name="output"/> ([tokens, hidden]).</summary>
    public void ComputeWithShared(ExpertWork work, ExpertWeights shared, Span<float> output)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(shared);
        var routed = LayerWeights(work);
        CheckLoaded(work, routed);
        int sharedId = routed.Count;
        var assignments = new ExpertAssignment[work.ExpertIds.Length + work.Tokens];
        work.Assignments().CopyTo(assignments, 0);
        for (int t = 0; t < work.Tokens; t++)
            assignments[work.ExpertIds.Length + t] = new ExpertAssignment(t, sharedId, 1f);
        Sums(work, assignments, new WithOneMore(routed, shared), output);
    }

    public void Dispose()
    {
        foreach (var layer in _layers.Values)
            layer.Dispose();
    }

    private IReadOnlyList<ExpertWeights?> LayerWeights(ExpertWork work) =>
        WeightsOf(work.Layer) ?? throw new ArgumentOutOfRangeException(nameof(work), work.Layer, "not a MoE layer of this model");

    /// <summary>The grouped kernel call: Σ weight · Expert(x[token]) per token over <paramref name="assignments"/>.</summary>
    private static void Sums(ExpertWork work, ExpertAssignment[] assignments, IReadOnlyList<ExpertWeights?> experts, Span<float> output)
    {
        if (output.Length != work.Hidden.Length)
            throw new ArgumentException($"layer {work.Layer}: {output.Length} output values for {work.Tokens} tokens × hidden {work.HiddenSize}", nameof(output));
        if (work.Tokens > 0)
            CpuKernels.Shared.ExpertSwiGlu(work.Hidden, work.Tokens, assignments, experts, output);
    }

    private static void CheckLoaded(ExpertWork work, IReadOnlyList<ExpertWeights?> experts)
    {
        foreach (int expert in work.ExpertIds)
        {
            if (expert < 0 || expert >= experts.Count || experts[expert] is null)
                throw new ExpertNotLoadedException($"expert {expert} is not loaded here");
        }
    }

    /// <summary>A layer's experts by id, and one more after the last id.</summary>
    private sealed class WithOneMore(IReadOnlyList<ExpertWeights?> experts, ExpertWeights last) : IReadOnlyList<ExpertWeights?>
    {
        public ExpertWeights? this[int index] => index == experts.Count ? last : experts[index];

        public int Count => experts.Count + 1;

        public IEnumerator<ExpertWeights?> GetEnumerator() => experts.Append(last).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
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

        public void Release(int expert)
        {
            Weights[expert] = null;
            _byId[expert]?.Dispose();
            _byId[expert] = null;
        }

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
