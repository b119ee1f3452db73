using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;

namespace Kimi.Cluster.Model.RoutedExperts;

/// <summary>
/// The expert shards loaded in an expert worker, and the computation its data plane serves:
/// decoded work in, weighted partial sums out. Shards are loaded by their grains' activations.
/// </summary>
public sealed class ExpertShardSet(ModelSource source) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Holding> _shards = []; // shard → its weights and how many replicas here hold them

    public ModelConfig Config => source.Config;

    /// <summary>The shards whose weights are loaded here.</summary>
    public IReadOnlyCollection<LoadedShard> Shards
    {
        get
        {
            lock (_gate)
                return [.. _shards.Values.Where(h => h.Weights.IsValueCreated).Select(h => h.Weights.Value)];
        }
    }

    /// <summary>
    /// Loads a shard's experts (every MoE layer) from the checkpoint, once, for a replica placed
    /// here; another replica of the same shard placed here shares them. What it reads is counted
    /// in <paramref name="progress"/>, when given.
    /// </summary>
    public LoadedShard Load(int shard, int replica, IReadOnlyList<int> expertIds, LoadProgress? progress = null)
    {
        Holding holding;
        lock (_gate)
        {
            if (!_shards.TryGetValue(shard, out holding!))
                _shards[shard] = holding = new Holding(new Lazy<LoadedShard>(() => LoadedShard.Load(source, shard, replica, expertIds, progress)));
            holding.Holders++;
        }
        try
        {
            return holding.Weights.Value;
        }
        catch
        {
            Unload(shard);
            throw;
        }
    }

    /// <summary>A replica of the shard leaves this worker: its weights are freed once no replica here holds them.</summary>
    public void Unload(int shard)
    {
        lock (_gate)
        {
            if (!_shards.TryGetValue(shard, out var holding) || --holding.Holders > 0)
                return;
            _shards.Remove(shard);
            if (holding.Weights.IsValueCreated)
                holding.Weights.Value.Dispose();
        }
    }

    /// <summary>
    /// Σ weight · Expert(x) per token of <paramref name="work"/> (decoded from a data-plane batch),
    /// float32 [tokens, hidden], in one kernel call over the experts of every shard loaded here.
    /// Work for a layer that is not MoE throws ArgumentException; for an expert whose shard is not
    /// here, <see cref="ExpertNotLoadedException"/> (the caller's placement is out of date).
    /// </summary>
    public float[] Compute(ExpertWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        work.Checked();
        if (work.Layer < 0 || work.Layer >= Config.NumHiddenLayers || !Config.IsMoeLayer(work.Layer))
            throw new ArgumentException($"layer {work.Layer} is not a MoE layer of this model", nameof(work));
        var experts = new ExpertWeights?[Config.NRoutedExperts];
        foreach (var shard in Shards)
        {
            var weights = shard.Experts.WeightsOf(work.Layer);
            foreach (int expert in shard.Experts.ExpertIds)
                experts[expert] = weights?[expert];
        }
        try
        {
            return ExpertGroup.Compute(work, experts);
        }
        catch (ExpertNotLoadedException error)
        {
            throw new ExpertNotLoadedException($"{error.Message}: its shard is not loaded on this worker");
        }
    }

    public void Dispose()
    {
        foreach (var shard in Shards)
            shard.Dispose();
        lock (_gate)
            _shards.Clear();
    }

    /// <summary>A shard's weights (loaded once, by whichever replica came first) and the replicas here that hold them.</summary>
    private sealed class Holding(Lazy<LoadedShard> weights)
    {
        public Lazy<LoadedShard> Weights { get; } = weights;

        public int Holders { get; set; }
    }
}
