using System.Collections.Frozen;
using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;

namespace Kimi.Cluster.Model.RoutedExperts;

/// <summary>
/// The routed experts loaded in an expert worker, and the computation its data plane serves:
/// decoded work in, weighted partial sums out. Shard replicas placed here (their grains) say
/// which experts they hold; each expert's weights are read once however many hold it, grow and
/// shrink one expert at a time (how a rebalance moves experts), and are freed only once no
/// computation in flight can still be reading them.
/// </summary>
public sealed class ExpertShardSet(ModelSource source) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, HeldExpert> _experts = []; // expert → the weights it was read with and how many replicas here hold it
    private readonly Dictionary<(int Shard, int Replica), SortedSet<int>> _replicas = [];
    // Computations read weights under the read lock; weights are freed under the write lock, so
    // after every computation that could have seen them has finished.
    private readonly ReaderWriterLockSlim _reading = new(LockRecursionPolicy.NoRecursion);
    private FrozenDictionary<int, LoadedExperts> _computable = FrozenDictionary<int, LoadedExperts>.Empty;
    private int _departures;
    private volatile bool _disposed;

    public ModelConfig Config => source.Config;

    /// <summary>The experts whose weights are loaded here.</summary>
    public IReadOnlyCollection<int> LoadedExpertIds => Volatile.Read(ref _computable).Keys;

    /// <summary>Bytes of the expert weights held here, by form, each expert counted once.</summary>
    public IReadOnlyDictionary<string, long> ResidentBytes => Sum(Volatile.Read(ref _computable).Select(p => p.Value.ShareOf(p.Key).ResidentBytes));

    /// <summary>Per shard placed here, what it holds (replicas of one shard here share their experts' weights).</summary>
    public IReadOnlyList<ShardHolding> Holdings
    {
        get
        {
            var computable = Volatile.Read(ref _computable);
            lock (_gate)
                return [.. _replicas.Where(r => r.Key.Replica >= 0).GroupBy(r => r.Key.Shard).OrderBy(g => g.Key).Select(shard => Holding(shard, computable))];
        }
    }

    /// <summary>What one shard holds here (its replicas here together); null when none is placed here.</summary>
    public ShardHolding? HoldingOf(int shard)
    {
        var computable = Volatile.Read(ref _computable);
        lock (_gate)
        {
            var replicas = _replicas.Where(r => r.Key.Shard == shard && r.Key.Replica >= 0).ToArray();
            return replicas.Length == 0 ? null : Holding(replicas, computable);
        }
    }

    /// <summary>The experts one replica holds now, ascending.</summary>
    public IReadOnlyList<int> ExpertsOf(int shard, int replica)
    {
        lock (_gate)
            return _replicas.TryGetValue((shard, replica), out var held) ? [.. held] : [];
    }

    private static ShardHolding Holding(
        IEnumerable<KeyValuePair<(int Shard, int Replica), SortedSet<int>>> replicas, FrozenDictionary<int, LoadedExperts> computable)
    {
        var list = replicas.ToArray();
        int[] ids = [.. list.SelectMany(r => r.Value).Distinct().Where(computable.ContainsKey).Order()];
        var shares = ids.Select(id => computable[id].ShareOf(id)).ToArray();
        return new ShardHolding(list[0].Key.Shard, list.Min(r => r.Key.Replica), ids, shares.Sum(p => p.LoadedBytes),
            [.. shares.SelectMany(p => p.TensorNames)], Sum(shares.Select(p => p.ResidentBytes)));
    }

    /// <summary>
    /// Makes the replica hold <paramref name="expertIds"/> as well as what it holds already: the
    /// experts not loaded here are read from the checkpoint together (every MoE layer), those
    /// loaded for another replica are shared. What it reads is counted in <paramref name="progress"/>,
    /// when given. Returns the experts the replica holds now. A failed load leaves the replica as it was.
    /// </summary>
    public IReadOnlyList<int> Load(int shard, int replica, IReadOnlyList<int> expertIds, LoadProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(expertIds);
        foreach (int expert in expertIds)
        {
            if (expert < 0 || expert >= Config.NRoutedExperts)
                throw new ArgumentOutOfRangeException(nameof(expertIds), expert, $"expert ids run 0..{Config.NRoutedExperts - 1}");
        }
        var added = new List<int>();
        var needed = new HashSet<Lazy<LoadedExperts>>();
        lock (_gate)
        {
            var held = HeldBy(shard, replica);
            int[] missing = [.. expertIds.Distinct().Where(e => !_experts.ContainsKey(e)).Order()];
            if (missing.Length > 0)
            {
                // One read of the checkpoint for all of them: opening it per expert would parse its index each time.
                var read = new Lazy<LoadedExperts>(() => LoadedExperts.Load(source, missing, progress));
                foreach (int expert in missing)
                    _experts[expert] = new HeldExpert(read);
            }
            foreach (int expert in expertIds.Distinct())
            {
                var copy = _experts[expert];
                if (held.Add(expert))
                {
                    copy.Holders++;
                    added.Add(expert);
                }
                needed.Add(copy.Weights);
            }
        }
        try
        {
            foreach (var weights in needed)
                _ = weights.Value;
        }
        catch
        {
            Release(shard, replica, added);
            throw;
        }
        Publish();
        lock (_gate)
            return [.. HeldBy(shard, replica)];
    }

    /// <summary>
    /// The replica keeps only <paramref name="expertIds"/>; experts no replica here holds any more
    /// are freed. Returns the experts the replica holds now.
    /// </summary>
    public IReadOnlyList<int> Retain(int shard, int replica, IReadOnlyCollection<int> expertIds)
    {
        ArgumentNullException.ThrowIfNull(expertIds);
        int[] dropped;
        lock (_gate)
            dropped = [.. HeldBy(shard, replica).Where(e => !expertIds.Contains(e))];
        Release(shard, replica, dropped);
        return ExpertsOf(shard, replica);
    }

    /// <summary>The replica leaves this worker: the experts only it held are freed.</summary>
    public void Unload(int shard, int replica) => Retain(shard, replica, []);

    /// <summary>
    /// The replica moved to another worker: it is no longer placed here, but its experts stay
    /// loaded and computable for <paramref name="keepFor"/>, so that batches routed by the tables
    /// before the move (until attention workers take up the new one) are still answered here. Then
    /// the experts nothing else here holds are freed. A replica placed here again meanwhile shares
    /// them rather than reading them again.
    /// </summary>
    public void Depart(int shard, int replica, TimeSpan keepFor)
    {
        var departed = (shard, -1 - Interlocked.Increment(ref _departures)); // a holder no replica key can be
        lock (_gate)
        {
            if (!_replicas.Remove((shard, replica), out var held))
                return;
            _replicas[departed] = held;
        }
        _ = ReleaseLaterAsync(departed, keepFor);
    }

    private async Task ReleaseLaterAsync((int Shard, int Replica) departed, TimeSpan keepFor)
    {
        await Task.Delay(keepFor);
        if (!_disposed)
            Unload(departed.Shard, departed.Replica);
    }

    /// <summary>
    /// Σ weight · Expert(x) per token of <paramref name="work"/> (decoded from a data-plane batch),
    /// float32 [tokens, hidden], in one kernel call over the experts loaded here.
    /// Work for a layer that is not MoE throws ArgumentException; for an expert not loaded here,
    /// <see cref="ExpertNotLoadedException"/> (the caller's placement is out of date).
    /// </summary>
    public float[] Compute(ExpertWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        work.Checked();
        if (work.Layer < 0 || work.Layer >= Config.NumHiddenLayers || !Config.IsMoeLayer(work.Layer))
            throw new ArgumentException($"layer {work.Layer} is not a MoE layer of this model", nameof(work));
        _reading.EnterReadLock();
        try
        {
            var experts = new ExpertWeights?[Config.NRoutedExperts];
            foreach (var (expert, loaded) in Volatile.Read(ref _computable))
                experts[expert] = loaded.Experts.WeightsOf(work.Layer)?[expert];
            try
            {
                return ExpertGroup.Compute(work, experts);
            }
            catch (ExpertNotLoadedException error)
            {
                throw new ExpertNotLoadedException($"{error.Message}: no shard placed on this worker holds it");
            }
        }
        finally
        {
            _reading.ExitReadLock();
        }
    }

    private SortedSet<int> HeldBy(int shard, int replica)
    {
        if (!_replicas.TryGetValue((shard, replica), out var held))
            _replicas[(shard, replica)] = held = [];
        return held;
    }

    private void Release(int shard, int replica, IEnumerable<int> expertIds)
    {
        var freed = new List<(int Expert, Lazy<LoadedExperts> Weights)>();
        lock (_gate)
        {
            var held = HeldBy(shard, replica);
            foreach (int expert in expertIds)
            {
                if (!held.Remove(expert) || !_experts.TryGetValue(expert, out var copy) || --copy.Holders > 0)
                    continue;
                _experts.Remove(expert);
                freed.Add((expert, copy.Weights));
            }
            if (held.Count == 0)
                _replicas.Remove((shard, replica));
        }
        if (freed.Count == 0)
            return;
        Publish();
        _reading.EnterWriteLock(); // waits for computations that may still read the freed weights
        try
        {
            foreach (var (expert, weights) in freed.Where(f => f.Weights.IsValueCreated))
            {
                if (weights.Value.Experts.Release(expert))
                    weights.Value.Dispose();
            }
        }
        finally
        {
            _reading.ExitWriteLock();
        }
    }

    /// <summary>What computations see: the experts whose weights have finished loading.</summary>
    private void Publish()
    {
        lock (_gate)
        {
            Volatile.Write(ref _computable, _experts
                .Where(p => p.Value.Weights.IsValueCreated)
                .ToFrozenDictionary(p => p.Key, p => p.Value.Weights.Value));
        }
    }

    private static Dictionary<string, long> Sum(IEnumerable<IReadOnlyDictionary<string, long>> parts) =>
        parts.SelectMany(p => p).GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Value), StringComparer.Ordinal);

    public void Dispose()
    {
        _disposed = true;
        LoadedExperts[] all;
        lock (_gate)
        {
            all = [.. _experts.Values.Select(c => c.Weights).Distinct().Where(w => w.IsValueCreated).Select(w => w.Value)];
            _experts.Clear();
            _replicas.Clear();
            _computable = FrozenDictionary<int, LoadedExperts>.Empty;
        }
        foreach (var loaded in all)
            loaded.Dispose();
        _reading.Dispose();
    }

    /// <summary>An expert's weights (read once, with the others its first holder asked for) and the replicas here that hold it.</summary>
    private sealed class HeldExpert(Lazy<LoadedExperts> weights)
    {
        public Lazy<LoadedExperts> Weights { get; } = weights;

        public int Holders { get; set; }
    }
}
