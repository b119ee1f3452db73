using System.Collections.Immutable;

namespace Kimi.Cluster.ExpertWorker.Placement;

/// <summary>
/// Plans which routed experts each shard holds so that the shards share the tokens evenly (in
/// the spirit of DeepSeek's EPLB): a MoE layer waits for its slowest shard and a step goes
/// through every layer, so the plan lowers Σ over layers of the busiest shard's load. Hot experts
/// get replicas in the spare slots (an expert's tokens split evenly over its replicas), replicas
/// are packed greedily and polished by local search. Every expert loaded is gigabytes of weights,
/// so a live rebalance keeps the current placement while it is within 1 % of the best layout
/// found, and otherwise weighs what a layout gains against what it loads. Pure and deterministic.
/// </summary>
public static class ExpertBalancer
{
    /// <summary>The current placement stays while its imbalance is within this much (relative) of the best layout found: a small drift in the load moves nothing.</summary>
    private const double GoodEnough = 0.01;

    /// <summary>
    /// What loading experts costs, as imbalance: a layout that loads every expert must be this much
    /// (relative) more even to be worth it, one that loads a tenth of them a tenth of that.
    /// </summary>
    private const double LoadCost = 0.02;

    /// <summary>How much more (relative to the ideal shard load) the sticky greedy lets keeping a replica on its current shard raise the objective.</summary>
    private const double Stickiness = 0.02;

    /// <summary>Imbalances this close (relative) are the same; the layout with fewer replicas wins.</summary>
    private const double Tie = 1e-6;

    /// <summary>How much lower (relative) a plan's imbalance must be before it replaces the current placement.</summary>
    private const double MinImprovement = 1e-9;

    /// <summary>
    /// The placement to move to. Layouts compete, each as built and after every step of
    /// <see cref="ExpertPacking.Polish"/>: the current placement kept (lost experts placed again),
    /// or with none the contiguous default when it fits; and the greedy packing of several
    /// replications (<see cref="Replications"/>), fresh and, with a current placement, sticky (a
    /// replica stays on a shard holding its expert now when that raises the objective by at most
    /// 2 % of the ideal shard load), each relabelled onto the shards that hold most of it now.
    /// <para>With no current placement the most even layout wins, of equally even ones the one
    /// with the fewest replicas, and the contiguous default stays unless it is beaten.</para>
    /// <para>With one, the current placement stays while its imbalance is within 1 % of the most
    /// even layout found, so that a small drift in the load moves nothing. Otherwise the layout
    /// with the lowest imbalance × (1 + 2 % × experts it loads / E) wins (loading every expert
    /// must buy 2 %, loading a few little), after <see cref="ExpertPacking.Restick"/> has taken
    /// back the loads it can; it must beat the current placement on that measure too, so a plan
    /// never raises the imbalance of a placement that serves every expert.</para>
    /// </summary>
    /// <exception cref="ArgumentException">The load, capacities or current placement are not a valid problem; the message says what.</exception>
    public static BalancePlan Plan(BalanceInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int experts = CheckLoad(input.Load);
        var load = input.Load;
        var capacity = CheckCapacity(input.Capacity, experts);
        int shards = capacity.Length;
        ImmutableArray<ImmutableArray<int>>? current = null;
        if (input.Current is { } given)
        {
            if (given.Count != shards)
                throw new ArgumentException($"current lists {given.Count} shards but capacity lists {shards}", nameof(input));
            CheckShards(given, experts, "current", capacity);
            current = Canonical(given);
        }

        var contiguous = Contiguous(experts, shards);
        double before = Measure(load, current ?? contiguous);
        bool contiguousFits = Enumerable.Range(0, shards).All(s => contiguous[s].Length <= capacity[s]);
        // What the plan must beat to be worth loading: the current placement when it covers every
        // expert, else with no current placement the contiguous default when it fits.
        ImmutableArray<ImmutableArray<int>>? baseline = null;
        if (current is not null && double.IsFinite(before))
            baseline = current;
        else if (current is null && contiguousFits)
            baseline = contiguous;

        var total = new double[experts];
        var peak = new double[experts]; // the largest share of any one layer's tokens that the expert gets
        foreach (var layer in load)
        {
            double layerTotal = layer.Sum();
            for (int e = 0; e < experts; e++)
            {
                total[e] += layer[e];
                if (layerTotal > 0)
                    peak[e] = Math.Max(peak[e], layer[e] / layerTotal);
            }
        }
        double ideal = total.Sum() / shards; // Σ over layers of the mean shard load: the objective at imbalance 1
        bool[]? holdsNow = null;
        int[]? countsNow = null;
        if (current is { } held)
        {
            holdsNow = new bool[shards * experts];
            countsNow = new int[experts];
            for (int s = 0; s < shards; s++)
                foreach (int e in held[s])
                    (holdsNow[s * experts + e], countsNow[e]) = (true, countsNow[e] + 1);
        }

        var layouts = new List<ShardLayout>();
        if (current is { } kept)
            layouts.Add(ExpertPacking.Repair(load, total, capacity, kept.Select(s => (IReadOnlyList<int>)s).ToArray()));
        else if (contiguousFits)
            layouts.Add(ExpertPacking.Of(load, capacity, contiguous.Select(s => (IReadOnlyList<int>)s).ToArray()));
        var tried = new HashSet<(bool Sticky, string Replicas)>();
        foreach (var (replicas, sticky) in Replications(total, peak, capacity, countsNow))
            if (tried.Add((sticky, string.Join(",", replicas))))
                layouts.Add(ExpertPacking.Greedy(load, total, capacity, replicas, holdsNow, sticky ? Stickiness * ideal : null));

        // Each layout as built and after every polishing step: a few steps may already get within
        // reach of the best, and each step may be an expert's weights to load.
        var candidates = new List<(int[][] Shards, double Imbalance, int Loads)>();
        void Consider(ShardLayout layout)
        {
            int loads = 0;
            var copy = new int[shards][];
            for (int s = 0; s < shards; s++)
            {
                copy[s] = [.. layout.ExpertsOn(s)];
                foreach (int e in copy[s])
                    if (holdsNow is null || !holdsNow[s * experts + e])
                        loads++;
            }
            candidates.Add((copy, ideal > 0 ? layout.Objective() / ideal : 1.0, loads));
        }
        foreach (var built in layouts)
        {
            var layout = holdsNow is null ? built : ExpertPacking.Relabel(built, holdsNow);
            Consider(layout);
            ExpertPacking.Polish(layout, maxRounds: 2 * layout.Items + shards, Consider);
        }
        double lowest = candidates.Min(c => c.Imbalance), goodEnough = lowest * (1 + GoodEnough);
        var chosen = Choose();
        if (holdsNow is not null && chosen.Loads > 0)
        {
            // The loads the chosen layout and the most even one can give back while staying below the chosen cost.
            double bound = Cost(chosen) * ideal;
            foreach (var start in new[] { chosen.Shards, candidates.MinBy(c => c.Imbalance).Shards })
                ExpertPacking.Restick(ExpertPacking.Of(load, capacity, start), holdsNow, bound, Consider);
            chosen = Choose();
        }
        var plan = Canonical(chosen.Shards);
        double after = Measure(load, plan);
        // The baseline stays when it is within 1 % of the best layout found, or the chosen one does not beat it even counting its loads.
        if (baseline is { } keep && (Measure(load, keep) <= goodEnough || !(Cost((chosen.Shards, after, chosen.Loads)) < Measure(load, keep) * (1 - MinImprovement))))
            (plan, after) = (keep, Measure(load, keep));

        return new BalancePlan(plan, before, after, Difference(plan, current), current is null ? [] : Difference(current.Value, plan));

        // With weights loaded now, the imbalance a layout costs counting what it loads; with none, its imbalance.
        double Cost((int[][] Shards, double Imbalance, int Loads) c) => current is null ? c.Imbalance : c.Imbalance * (1 + LoadCost * c.Loads / experts);

        // With weights loaded now, the cheapest layout; with none, the most even one, of equally even ones that with the fewest replicas.
        (int[][] Shards, double Imbalance, int Loads) Choose() => current is null
            ? candidates.Where(c => c.Imbalance <= lowest * (1 + Tie)).OrderBy(c => c.Loads).ThenBy(c => c.Imbalance).First()
            : candidates.OrderBy(Cost).ThenBy(c => c.Loads).First();
    }

    /// <summary>
    /// The replications worth packing, as prefixes of two <see cref="ExpertPacking.ReplicationOrder"/>s.
    /// EPLB's order, by total load per replica (with a current placement also a sticky one, where
    /// an expert below its current replica count looks 2 % hotter): no extra replicas; those that
    /// leave no expert carrying more than a shard's share of some layer per replica ("needed");
    /// every spare slot. And the order by peak share (the largest share of one layer's tokens per
    /// replica) at 0, 1, 2, 4, ... extra replicas, needed, and every spare slot. Where to stop
    /// matters: with every spare slot filled, hot experts can end up with replica counts that do
    /// not pack (five replicas of one and four of another over six shards), an expert hot in one
    /// layer can look cool by its total, and the local search cannot add replicas without free
    /// slots; so no one stopping rule is trusted, several prefixes are packed and compete.
    /// </summary>
    private static IEnumerable<(int[] Replicas, bool Sticky)> Replications(double[] total, double[] peak, int[] capacity, int[]? countsNow)
    {
        int experts = total.Length, shards = capacity.Length;
        foreach (var (heat, powers) in new[] { (total, false), (peak, true) })
        {
            if (countsNow is not null && !powers)
            {
                var sticky = ExpertPacking.ReplicationOrder(heat, capacity, countsNow, Stickiness);
                foreach (int extra in Prefixes(sticky, powers))
                    yield return (ExpertPacking.Replicas(experts, sticky, extra), true);
            }
            var fresh = ExpertPacking.ReplicationOrder(heat, capacity, preferred: null, preference: 0);
            foreach (int extra in Prefixes(fresh, powers))
                yield return (ExpertPacking.Replicas(experts, fresh, extra), false);
        }

        IEnumerable<int> Prefixes(List<int> order, bool powers)
        {
            var prefixes = new SortedSet<int> { 0, order.Count };
            for (int k = 1; powers && k < order.Count; k *= 2)
                prefixes.Add(k);
            // needed: up to the last replica given to an expert that carried more than a shard's share of some layer per replica
            var replicas = new int[experts];
            Array.Fill(replicas, 1);
            int needed = 0;
            for (int i = 0; i < order.Count; i++)
                if (peak[order[i]] / replicas[order[i]]++ > 1.0 / shards)
                    needed = i + 1;
            prefixes.Add(needed);
            return prefixes;
        }
    }

    /// <summary>
    /// Σ over layers of the busiest shard's load over Σ over layers of the mean shard load: how
    /// much longer a step takes than with perfectly even shards (1.0), and 1.0 when there is no
    /// load. A shard's load in a layer is Σ over its experts of the expert's load over the number
    /// of shards holding it. +infinity when some expert is on no shard: its tokens cannot be served.
    /// </summary>
    /// <exception cref="ArgumentException">The load or shards are malformed; the message says what.</exception>
    public static double Imbalance(double[][] load, IReadOnlyList<IReadOnlyList<int>> shards)
    {
        int experts = CheckLoad(load);
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 0)
            throw new ArgumentException("shards lists no shards", nameof(shards));
        CheckShards(shards, experts, "shards", capacity: null);
        return Measure(load, Canonical(shards));
    }

    /// <summary>The default before any load is known: shard s of S holds experts [s*E/S, (s+1)*E/S), no replicas.</summary>
    public static ImmutableArray<ImmutableArray<int>> Contiguous(int experts, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(experts);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        return [.. Enumerable.Range(0, shards).Select(s =>
        {
            int first = (int)((long)s * experts / shards), end = (int)((long)(s + 1) * experts / shards);
            return Enumerable.Range(first, end - first).ToImmutableArray();
        })];
    }

    private static double Measure(double[][] load, ImmutableArray<ImmutableArray<int>> shards)
    {
        var replicas = new int[load[0].Length];
        foreach (var held in shards)
            foreach (int e in held)
                replicas[e]++;
        if (replicas.Contains(0))
            return double.PositiveInfinity;
        double busiest = 0, mean = 0;
        foreach (var layer in load)
        {
            double max = 0, sum = 0;
            foreach (var held in shards)
            {
                double shardLoad = 0;
                foreach (int e in held)
                    shardLoad += layer[e] / replicas[e];
                max = Math.Max(max, shardLoad);
                sum += shardLoad;
            }
            busiest += max;
            mean += sum / shards.Length;
        }
        return mean > 0 ? busiest / mean : 1.0;
    }

    /// <summary>The (shard, expert) pairs of <paramref name="to"/> that <paramref name="from"/> lacks; all of them when there is no from.</summary>
    private static ImmutableArray<(int Shard, int Expert)> Difference(ImmutableArray<ImmutableArray<int>> to, ImmutableArray<ImmutableArray<int>>? from) =>
        [.. to.SelectMany((held, s) => held.Where(e => from is null || !from.Value[s].Contains(e)).Select(e => (s, e)))];

    private static ImmutableArray<ImmutableArray<int>> Canonical<TShard>(IReadOnlyList<TShard> shards) where TShard : IEnumerable<int> =>
        [.. shards.Select(held => held.Order().ToImmutableArray())];

    /// <returns>The number of experts.</returns>
    private static int CheckLoad(double[][] load)
    {
        ArgumentNullException.ThrowIfNull(load);
        if (load.Length == 0)
            throw new ArgumentException("load has no MoE layers", nameof(load));
        for (int l = 0; l < load.Length; l++)
        {
            var layer = load[l] ?? throw new ArgumentException($"load[{l}] is null", nameof(load));
            if (layer.Length == 0)
                throw new ArgumentException($"load[{l}] has no experts", nameof(load));
            if (layer.Length != load[0].Length)
                throw new ArgumentException($"load[{l}] has {layer.Length} experts but load[0] has {load[0].Length}; every MoE layer must list the same experts", nameof(load));
            for (int e = 0; e < layer.Length; e++)
            {
                double x = layer[e];
                if (double.IsNaN(x))
                    throw new ArgumentException($"load[{l}][{e}] is NaN", nameof(load));
                if (double.IsInfinity(x))
                    throw new ArgumentException($"load[{l}][{e}] is infinite", nameof(load));
                if (x < 0)
                    throw new ArgumentException($"load[{l}][{e}] is negative ({x})", nameof(load));
            }
        }
        return load[0].Length;
    }

    private static int[] CheckCapacity(IReadOnlyList<int> capacity, int experts)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        if (capacity.Count == 0)
            throw new ArgumentException("capacity lists no shards", nameof(capacity));
        for (int s = 0; s < capacity.Count; s++)
            if (capacity[s] < 1)
                throw new ArgumentException($"capacity[{s}] is {capacity[s]}; every shard needs at least 1 slot", nameof(capacity));
        long slots = capacity.Sum(c => (long)c);
        if (slots < experts)
            throw new ArgumentException($"capacity sums to {slots} slots, fewer than the {experts} experts", nameof(capacity));
        return [.. capacity];
    }

    private static void CheckShards(IReadOnlyList<IReadOnlyList<int>> shards, int experts, string name, int[]? capacity)
    {
        var seen = new bool[experts];
        for (int s = 0; s < shards.Count; s++)
        {
            var held = shards[s] ?? throw new ArgumentException($"{name}[{s}] is null", name);
            Array.Clear(seen);
            foreach (int e in held)
            {
                if (e < 0 || e >= experts)
                    throw new ArgumentException($"{name}[{s}] holds expert {e}, outside 0..{experts - 1}", name);
                if (seen[e])
                    throw new ArgumentException($"{name}[{s}] holds expert {e} twice", name);
                seen[e] = true;
            }
            if (capacity is not null && held.Count > capacity[s])
                throw new ArgumentException($"{name}[{s}] holds {held.Count} experts, over its capacity of {capacity[s]}", name);
        }
    }
}
