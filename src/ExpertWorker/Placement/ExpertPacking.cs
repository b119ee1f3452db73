using System.Collections.Immutable;

namespace Kimi.Cluster.ExpertWorker.Placement;

/// <summary>
/// Experts on shards, each replica weighing its expert's load over its replica count, with every
/// shard's load in every layer kept current as replicas come and go: the working state of
/// <see cref="ExpertPacking"/>. <see cref="Add"/> and <see cref="Remove"/> keep replica counts
/// (the layout is being filled up to them, or a replica moves); <see cref="AddReplica"/> and
/// <see cref="RemoveReplica"/> change them, and with them every other replica's weight.
/// </summary>
internal sealed class ShardLayout
{
    private readonly double[][] _load; // [layer][expert]
    private readonly double[][] _weight; // [expert][layer], per replica
    private readonly bool[] _holds; // [shard * Experts + expert]
    private readonly List<int>[] _experts;

    public ShardLayout(double[][] load, int[] replicas, IReadOnlyList<int> capacity)
    {
        Layers = load.Length;
        Experts = replicas.Length;
        Shards = capacity.Count;
        Capacity = [.. capacity];
        Replicas = [.. replicas];
        _load = load;
        _weight = new double[Experts][];
        for (int e = 0; e < Experts; e++)
        {
            _weight[e] = new double[Layers];
            for (int l = 0; l < Layers; l++)
                _weight[e][l] = load[l][e] / replicas[e];
        }
        ShardLoad = new double[Layers][];
        for (int l = 0; l < Layers; l++)
            ShardLoad[l] = new double[Shards];
        _holds = new bool[Shards * Experts];
        _experts = [.. Enumerable.Range(0, Shards).Select(_ => new List<int>())];
    }

    public double[][] Load => _load;
    public int Layers { get; }
    public int Experts { get; }
    public int Shards { get; }
    public int[] Capacity { get; }
    public int[] Replicas { get; }

    /// <summary>[layer][shard]: the tokens each shard computes in each layer.</summary>
    public double[][] ShardLoad { get; }

    public int Items => _experts.Sum(experts => experts.Count);

    public double Weight(int layer, int expert) => _weight[expert][layer];

    /// <summary>[layer]: what one replica of <paramref name="expert"/> weighs; the layout's own array, not to be changed.</summary>
    public double[] WeightsOf(int expert) => _weight[expert];

    public bool Holds(int shard, int expert) => _holds[shard * Experts + expert];

    /// <summary>[shard * E + expert]: whether the shard holds the expert; the layout's own array, not to be changed.</summary>
    public bool[] Holding => _holds;

    /// <summary>The experts on <paramref name="shard"/>, in the order they came; the layout's own list, not to be changed (a List, so loops over it need no enumerator object).</summary>
    public List<int> ExpertsOn(int shard) => _experts[shard];

    public int Free(int shard) => Capacity[shard] - _experts[shard].Count;

    public double TotalLoad(int shard)
    {
        double total = 0;
        for (int l = 0; l < Layers; l++)
            total += ShardLoad[l][shard];
        return total;
    }

    public void Add(int shard, int expert)
    {
        _holds[shard * Experts + expert] = true;
        _experts[shard].Add(expert);
        for (int l = 0; l < Layers; l++)
            ShardLoad[l][shard] += _weight[expert][l];
    }

    public void Remove(int shard, int expert)
    {
        _holds[shard * Experts + expert] = false;
        _experts[shard].Remove(expert);
        for (int l = 0; l < Layers; l++)
            ShardLoad[l][shard] -= _weight[expert][l];
    }

    /// <summary>One more replica of <paramref name="expert"/>, on <paramref name="shard"/>; its other replicas get lighter.</summary>
    public void AddReplica(int shard, int expert)
    {
        Reweigh(expert, Replicas[expert] + 1);
        Add(shard, expert);
    }

    /// <summary>One replica of <paramref name="expert"/> fewer, the one on <paramref name="shard"/>; the others take its share.</summary>
    public void RemoveReplica(int shard, int expert)
    {
        Remove(shard, expert);
        Reweigh(expert, Replicas[expert] - 1);
    }

    /// <summary>Every shard's load summed afresh, so that many small updates leave no rounding drift behind.</summary>
    public void Refresh()
    {
        for (int l = 0; l < Layers; l++)
            for (int s = 0; s < Shards; s++)
            {
                double sum = 0;
                foreach (int e in _experts[s])
                    sum += _weight[e][l];
                ShardLoad[l][s] = sum;
            }
    }

    /// <summary>What one replica of <paramref name="expert"/> would weigh in <paramref name="layer"/> with <paramref name="replicas"/> of them.</summary>
    public double WeightWith(int layer, int expert, int replicas) => _load[layer][expert] / replicas;

    private void Reweigh(int expert, int replicas)
    {
        Replicas[expert] = replicas;
        for (int l = 0; l < Layers; l++)
        {
            double weight = _load[l][expert] / replicas, change = weight - _weight[expert][l];
            _weight[expert][l] = weight;
            for (int s = 0; s < Shards; s++)
                if (Holds(s, expert))
                    ShardLoad[l][s] += change;
        }
    }

    /// <summary>Σ over layers of the slowest shard's load: what a step waits for, the quantity the planner lowers.</summary>
    public double Objective()
    {
        double sum = 0;
        for (int l = 0; l < Layers; l++)
            sum += ShardLoad[l].Max();
        return sum;
    }

    public ImmutableArray<ImmutableArray<int>> ToShards() => [.. _experts.Select(experts => experts.Order().ToImmutableArray())];
}

/// <summary>
/// The steps of <see cref="ExpertBalancer.Plan"/>: how many replicas each expert gets
/// (<see cref="ReplicationOrder"/>), a greedy that puts the replicas on shards
/// (<see cref="Greedy"/>, or <see cref="Repair"/> of the current placement), a local search that
/// lowers the objective step by step (<see cref="Polish"/>), and two that cut what a layout
/// loads (<see cref="Relabel"/>, <see cref="Restick"/>). Everything is deterministic: no
/// randomness, no hash order, ties to the lower id.
/// </summary>
internal static class ExpertPacking
{
    /// <summary>
    /// The order in which experts get extra replicas (an expert once per extra replica): each
    /// spare slot to the expert whose total load per replica is the highest, ties to the lower id
    /// (EPLB's redundant experts). An expert stops at one replica per shard, an expert without load
    /// gets none, and no replica is given that would leave the counts impossible to place on
    /// distinct shards within capacity (see <see cref="CanComplete"/>; with unequal capacities
    /// that can end the order before the spare slots run out). Any prefix of the order is a
    /// replication: <see cref="ExpertBalancer.Plan"/> tries several.
    /// </summary>
    /// <param name="preferred">Replica counts to keep where it costs little (the current ones), or null.</param>
    /// <param name="preference">How much hotter, relatively, an expert below its preferred count looks.</param>
    public static List<int> ReplicationOrder(double[] heat, IReadOnlyList<int> capacity, int[]? preferred, double preference)
    {
        int experts = heat.Length, shards = capacity.Count;
        var replicas = new int[experts];
        Array.Fill(replicas, 1);
        var order = new List<int>();
        long spare = capacity.Sum(c => (long)c) - experts;
        // smallest[k]: the k smallest capacities together; demand[k]: the replicas that must go to
        // k given shards when each expert can put at most one on each of the other S - k.
        var sorted = capacity.Order().ToArray();
        var smallest = new long[shards + 1];
        for (int k = 1; k <= shards; k++)
            smallest[k] = smallest[k - 1] + sorted[k - 1];
        var demand = new long[shards + 1];
        demand[shards] = experts;

        var queue = new PriorityQueue<int, (double Key, int Expert)>(HottestFirst.Instance);
        for (int e = 0; e < experts && shards > 1; e++)
            if (heat[e] > 0)
                queue.Enqueue(e, (Key(e), e));
        while (spare > 0 && queue.TryDequeue(out int expert, out _))
        {
            int from = shards - replicas[expert]; // the k where one more replica of it adds demand
            bool fits = true;
            for (int k = from; k <= shards && fits; k++)
                fits = demand[k] + 1 <= smallest[k];
            if (!fits)
                continue; // demand only grows, so it never fits later either
            for (int k = from; k <= shards; k++)
                demand[k]++;
            replicas[expert]++;
            order.Add(expert);
            spare--;
            if (replicas[expert] < shards)
                queue.Enqueue(expert, (Key(expert), expert));
        }
        return order;

        double Key(int e) => heat[e] / replicas[e] * (preferred is not null && preferred[e] > replicas[e] ? 1 + preference : 1);
    }

    /// <summary>Replica counts after the first <paramref name="extra"/> steps of a <see cref="ReplicationOrder"/>.</summary>
    public static int[] Replicas(int experts, List<int> order, int extra)
    {
        var replicas = new int[experts];
        Array.Fill(replicas, 1);
        for (int i = 0; i < extra; i++)
            replicas[order[i]]++;
        return replicas;
    }

    /// <summary>
    /// Places every expert's replicas (all of them, one expert after another, heaviest replica
    /// first, ties to the lower id) on a shard with a free slot that does not hold it yet, the one
    /// whose load raises Σ over layers of the per-layer maximum the least; ties to the shard with
    /// the lower total load, then to one that holds the expert now, then to the lower index.
    /// With <paramref name="stickiness"/> a shard that holds the expert now wins whenever it
    /// raises the objective by at most that much over the best. A shard is taken only when the
    /// replicas still to place can then all be placed (<see cref="CanComplete"/>), so the greedy
    /// never paints itself into a corner; when every replica count fits at the start (which
    /// <see cref="ReplicationOrder"/> ensures) some shard always passes, because a complete placement
    /// puts this replica somewhere.
    /// </summary>
    /// <param name="holdsNow">[shard * E + expert]: whether the shard holds the expert now, or null.</param>
    public static ShardLayout Greedy(double[][] load, double[] total, IReadOnlyList<int> capacity, int[] replicas, bool[]? holdsNow, double? stickiness)
    {
        var layout = new ShardLayout(load, replicas, capacity);
        var order = Enumerable.Range(0, replicas.Length).OrderByDescending(e => total[e] / replicas[e]).ThenBy(e => e).ToArray();
        Place(layout, order, holdsNow, stickiness);
        return layout;
    }

    /// <summary>
    /// The current placement kept: experts it lost are placed again, one replica each, where they
    /// raise the objective the least, after dropping the cheapest redundant replicas when there are
    /// not enough free slots for them. Weights load only for the lost experts.
    /// </summary>
    public static ShardLayout Repair(double[][] load, double[] total, IReadOnlyList<int> capacity, IReadOnlyList<IReadOnlyList<int>> current)
    {
        int experts = total.Length, shards = capacity.Count;
        var kept = current.Select(held => held.ToList()).ToArray();
        var replicas = new int[experts];
        foreach (var held in kept)
            foreach (int e in held)
                replicas[e]++;
        var lost = Enumerable.Range(0, experts).Where(e => replicas[e] == 0).OrderByDescending(e => total[e]).ThenBy(e => e).ToArray();
        long free = capacity.Sum(c => (long)c) - kept.Sum(held => (long)held.Count);
        // Σ capacity >= E, so while the free slots are fewer than the lost experts some expert is held twice.
        for (; free < lost.Length; free++)
        {
            int drop = Enumerable.Range(0, experts).Where(e => replicas[e] >= 2).OrderBy(e => total[e] / (replicas[e] - 1)).ThenBy(e => e).First();
            int from = Enumerable.Range(0, shards).Where(s => kept[s].Contains(drop))
                .OrderByDescending(s => kept[s].Sum(e => total[e] / replicas[e])).ThenBy(s => s).First();
            kept[from].Remove(drop);
            replicas[drop]--;
        }
        foreach (int e in lost)
            replicas[e] = 1;
        var layout = new ShardLayout(load, replicas, capacity);
        for (int s = 0; s < shards; s++)
            foreach (int e in kept[s])
                layout.Add(s, e);
        Place(layout, lost, holdsNow: null, stickiness: null);
        return layout;
    }

    /// <summary>A layout holding exactly <paramref name="shards"/>, each expert's replicas as many as the shards holding it.</summary>
    public static ShardLayout Of(double[][] load, IReadOnlyList<int> capacity, IReadOnlyList<IReadOnlyList<int>> shards)
    {
        var replicas = new int[load[0].Length];
        foreach (var held in shards)
            foreach (int e in held)
                replicas[e]++;
        var layout = new ShardLayout(load, replicas, capacity);
        for (int s = 0; s < shards.Count; s++)
            foreach (int e in shards[s])
                layout.Add(s, e);
        return layout;
    }

    /// <summary>
    /// Takes the best of these steps for as long as one lowers Σ over layers of the per-layer
    /// maximum, at most <paramref name="maxRounds"/> of them: move a replica to another shard, swap
    /// two replicas of different shards, add a replica of an expert in a free slot (splitting its
    /// load finer) or drop one (its other replicas take the share). The last two let the search
    /// settle how many replicas an expert needs, which a replication fixed up front gets wrong
    /// when few large replicas pack better than many small ones. Where no step lowers the
    /// objective, one that keeps it and lowers Σ of squared shard loads is taken: with several
    /// shards tied at a layer's maximum no single step lowers it, but evening the loads out
    /// unties them (at most S such steps in a row). Every step lowers (objective, Σ squares)
    /// lexicographically by at least a millionth, so the search ends even without the round
    /// limit. Every step starts from a shard at some layer's maximum, the busiest first: only
    /// giving load away from those can help.
    /// </summary>
    /// <param name="step">Called with the layout after each step, so a caller can weigh the moves against the gain.</param>
    public static ShardLayout Polish(ShardLayout layout, int maxRounds, Action<ShardLayout>? step = null)
    {
        int layers = layout.Layers, shards = layout.Shards;
        double scale = 0;
        for (int l = 0; l < layers; l++)
            scale += layout.ShardLoad[l].Sum() / shards;
        if (shards < 2 || scale <= 0)
            return layout;
        double minGain = 1e-6 * scale, minEvening = 1e-6 * scale * scale / shards; // a millionth: well above rounding, below anything worth a move
        var max = new double[layers];
        var busiest = new int[layers][]; // per layer, the shards by load, highest first
        var fromLoad = new double[layers]; // per layer, the loads of the two shards a move or swap involves
        var toLoad = new double[layers];
        var others = new double[layers]; // per layer, the highest load outside the two shards involved
        var source = new bool[shards];
        var changed = new bool[shards];
        var holders = new int[shards]; // of the expert a replica step changes, and the shard it adds to
        var negated = new double[shards];
        for (int l = 0; l < layers; l++)
            busiest[l] = new int[shards];
        int evened = 0; // steps in a row that only evened loads out
        for (int round = 0; round < maxRounds; round++)
        {
            Array.Clear(source);
            for (int l = 0; l < layers; l++)
            {
                var loads = layout.ShardLoad[l];
                var order = busiest[l];
                for (int s = 0; s < shards; s++)
                    (order[s], negated[s]) = (s, -loads[s]);
                Array.Sort(negated, order); // only the loads matter, so how ties fall does not
                max[l] = loads[order[0]];
                for (int i = 0; i < shards && loads[order[i]] >= max[l] - minGain; i++)
                    source[order[i]] = true;
            }

            (double Gain, double Evening) bestDelta = (0, -minEvening);
            (Step Kind, int From, int Expert, int To, int Other) best = (Step.None, -1, -1, -1, -1);
            // The busiest source first; the first source with a step that lowers the objective gives
            // the step (its best), which spares scanning the others in most rounds.
            foreach (int a in Enumerable.Range(0, shards).Where(s => source[s]).OrderByDescending(layout.TotalLoad).ThenBy(s => s))
            {
                if (bestDelta.Gain < -minGain)
                    break;
                foreach (int e in layout.ExpertsOn(a))
                {
                    int replicas = layout.Replicas[e];
                    if (replicas >= 2)
                        Consider(ReplicaDelta(e, replicas - 1, -1, a), (Step.Drop, a, e, -1, -1));
                    if (replicas < shards)
                        for (int b = 0; b < shards; b++)
                            if (layout.Free(b) > 0 && !layout.Holds(b, e))
                                Consider(ReplicaDelta(e, replicas + 1, b, -1), (Step.Replicate, a, e, b, -1));
                }
                for (int b = 0; b < shards; b++)
                {
                    if (b == a)
                        continue;
                    for (int l = 0; l < layers; l++)
                    {
                        fromLoad[l] = layout.ShardLoad[l][a];
                        toLoad[l] = layout.ShardLoad[l][b];
                        others[l] = 0;
                        foreach (int s in busiest[l])
                            if (s != a && s != b)
                            {
                                others[l] = Math.Max(layout.ShardLoad[l][s], 0);
                                break;
                            }
                    }
                    bool room = layout.Free(b) > 0;
                    List<int> onA = layout.ExpertsOn(a), onB = layout.ExpertsOn(b);
                    var holding = layout.Holding;
                    int atA = a * layout.Experts, atB = b * layout.Experts;
                    for (int i = 0; i < onA.Count; i++)
                    {
                        int e = onA[i];
                        if (holding[atB + e])
                            continue;
                        var moving = layout.WeightsOf(e);
                        if (room)
                            Consider(ShiftDelta(moving, null), (Step.Move, a, e, b, -1));
                        for (int j = 0; j < onB.Count; j++)
                        {
                            int f = onB[j];
                            if (!holding[atA + f])
                                Consider(ShiftDelta(moving, layout.WeightsOf(f)), (Step.Swap, a, e, b, f));
                        }
                    }
                }
            }
            if (bestDelta.Gain < -minGain)
                evened = 0;
            else if (++evened > shards)
                return layout; // evening out that long without a gain will not untie the maximum
            switch (best.Kind)
            {
                case Step.None:
                    return layout;
                case Step.Drop:
                    layout.RemoveReplica(best.From, best.Expert);
                    break;
                case Step.Replicate:
                    layout.AddReplica(best.To, best.Expert);
                    break;
                default:
                    layout.Remove(best.From, best.Expert);
                    layout.Add(best.To, best.Expert);
                    if (best.Kind == Step.Swap)
                    {
                        layout.Remove(best.To, best.Other);
                        layout.Add(best.From, best.Other);
                    }
                    break;
            }
            layout.Refresh();
            step?.Invoke(layout);

            // A step that lowers the objective beats one that only evens loads out; among either kind the larger change wins, ties the first found.
            void Consider((double Gain, double Evening) delta, (Step, int, int, int, int) candidate)
            {
                bool gains = delta.Gain < -minGain, bestGains = bestDelta.Gain < -minGain;
                bool better = gains ? !bestGains || delta.Gain < bestDelta.Gain
                    : !bestGains && delta.Gain <= 0 && delta.Evening < bestDelta.Evening;
                if (better)
                    (bestDelta, best) = (delta, candidate);
            }
        }
        return layout;

        // One replica moving from the shard in fromLoad to the shard in toLoad, and another (unless null) back.
        (double Gain, double Evening) ShiftDelta(double[] moving, double[]? back)
        {
            double gain = 0, evening = 0;
            for (int l = 0; l < layers; l++)
            {
                double w = back is null ? moving[l] : moving[l] - back[l], source = fromLoad[l], target = toLoad[l];
                gain += Math.Max(others[l], Math.Max(source - w, target + w)) - max[l];
                evening += 2 * w * (target - source + w);
            }
            return (gain, evening);
        }

        // Giving expert `replicas` replicas: one more on `adding`, or none any more on `dropping`.
        // Only its holders and `adding` change; the highest of the rest is the first of them by load.
        (double Gain, double Evening) ReplicaDelta(int expert, int replicas, int adding, int dropping)
        {
            int count = 0;
            for (int s = 0; s < shards; s++)
                if (layout.Holds(s, expert) || s == adding)
                {
                    holders[count++] = s;
                    changed[s] = true;
                }
            var weights = layout.WeightsOf(expert);
            double gain = 0, evening = 0;
            for (int l = 0; l < layers; l++)
            {
                double weight = weights[l], share = layout.WeightWith(l, expert, replicas), highest = 0;
                foreach (int s in busiest[l])
                    if (!changed[s])
                    {
                        highest = Math.Max(layout.ShardLoad[l][s], 0);
                        break;
                    }
                for (int i = 0; i < count; i++)
                {
                    int s = holders[i];
                    double now = layout.ShardLoad[l][s], x = s == dropping ? now - weight : s == adding ? now + share : now + share - weight;
                    highest = Math.Max(highest, x);
                    evening += x * x - now * now;
                }
                gain += highest - max[l];
            }
            for (int i = 0; i < count; i++)
                changed[holders[i]] = false;
            return (gain, evening);
        }
    }

    /// <summary>
    /// The same layout with its shards' contents handed to the physical shards that already hold
    /// the most of them (within capacity). A greedy's shard numbers are arbitrary: which of two
    /// equal shards got the first hot expert changes nothing in the objective but everything in
    /// what has to be loaded. An assignment problem (Hungarian method, O(S³)); the identity is
    /// always feasible, so one exists.
    /// </summary>
    public static ShardLayout Relabel(ShardLayout layout, bool[] holdsNow)
    {
        int shards = layout.Shards, experts = layout.Experts;
        long infeasible = (long)shards * experts + 1;
        var cost = new long[shards, shards]; // [content, physical]: experts the content would have to load there
        for (int c = 0; c < shards; c++)
            for (int p = 0; p < shards; p++)
            {
                var content = layout.ExpertsOn(c);
                cost[c, p] = content.Count > layout.Capacity[p] ? infeasible : content.Count(e => !holdsNow[p * experts + e]);
            }
        var target = Assign(cost);
        var relabeled = new ShardLayout(layout.Load, layout.Replicas, layout.Capacity);
        for (int c = 0; c < shards; c++)
            foreach (int e in layout.ExpertsOn(c))
                relabeled.Add(target[c], e);
        return relabeled;
    }

    /// <summary>
    /// Takes back loads the objective does not need: moves a loaded replica to a shard that holds
    /// its expert now, swaps it with a replica there, or drops it when its expert has others,
    /// while Σ over layers of the per-layer maximum stays at most <paramref name="bound"/>. Each
    /// step loads fewer experts than the last (the most fewer, then the lowest objective).
    /// </summary>
    /// <param name="step">Called with the layout after each step.</param>
    public static void Restick(ShardLayout layout, bool[] holdsNow, double bound, Action<ShardLayout>? step = null)
    {
        int shards = layout.Shards, experts = layout.Experts;
        bool Now(int shard, int expert) => holdsNow[shard * experts + expert];
        for (int round = layout.Items; round > 0; round--)
        {
            var held = Enumerable.Range(0, shards).Select(s => layout.ExpertsOn(s).ToArray()).ToArray();
            (int Fewer, double Objective) best = (0, double.PositiveInfinity);
            Action? take = null;
            foreach (int s in Enumerable.Range(0, shards)) // foreach: the closures below take each shard, not the loop's last
                foreach (int e in held[s])
                {
                    if (Now(s, e))
                        continue;
                    if (layout.Replicas[e] >= 2)
                        Consider(1, () => layout.RemoveReplica(s, e), () => layout.AddReplica(s, e));
                    foreach (int p in Enumerable.Range(0, shards))
                    {
                        if (!Now(p, e) || layout.Holds(p, e))
                            continue;
                        if (layout.Free(p) > 0)
                            Consider(1, () => Move(e, s, p), () => Move(e, p, s));
                        foreach (int f in held[p])
                        {
                            int fewer = 1 - (Now(s, f) ? 0 : 1) + (Now(p, f) ? 0 : 1);
                            if (!layout.Holds(s, f) && fewer > 0)
                                Consider(fewer, () => { Move(e, s, p); Move(f, p, s); }, () => { Move(f, s, p); Move(e, p, s); });
                        }
                    }
                }
            if (take is null)
                return;
            take();
            layout.Refresh();
            step?.Invoke(layout);

            void Consider(int fewer, Action apply, Action undo)
            {
                if (fewer < best.Fewer)
                    return;
                apply();
                double objective = layout.Objective();
                undo();
                if (objective <= bound && (fewer > best.Fewer || objective < best.Objective))
                    (best, take) = ((fewer, objective), apply);
            }
        }

        void Move(int expert, int from, int to)
        {
            layout.Remove(from, expert);
            layout.Add(to, expert);
        }
    }

    /// <summary>The cheapest perfect assignment of rows to columns of a square cost matrix: row i goes to column result[i].</summary>
    private static int[] Assign(long[,] cost)
    {
        int n = cost.GetLength(0);
        // Potentials u (rows), v (columns) and the matched row of each column, 1-based with column 0 as the free root.
        var u = new long[n + 1];
        var v = new long[n + 1];
        var rowOf = new int[n + 1];
        var way = new int[n + 1];
        for (int i = 1; i <= n; i++)
        {
            rowOf[0] = i;
            int column = 0;
            var least = new long[n + 1];
            Array.Fill(least, long.MaxValue);
            var used = new bool[n + 1];
            do
            {
                used[column] = true;
                int row = rowOf[column], next = 0;
                long delta = long.MaxValue;
                for (int j = 1; j <= n; j++)
                {
                    if (used[j])
                        continue;
                    long reduced = cost[row - 1, j - 1] - u[row] - v[j];
                    if (reduced < least[j])
                        (least[j], way[j]) = (reduced, column);
                    if (least[j] < delta)
                        (delta, next) = (least[j], j);
                }
                for (int j = 0; j <= n; j++)
                    if (used[j])
                    {
                        u[rowOf[j]] += delta;
                        v[j] -= delta;
                    }
                    else
                        least[j] -= delta;
                column = next;
            }
            while (rowOf[column] != 0);
            do
            {
                int previous = way[column];
                rowOf[column] = rowOf[previous];
                column = previous;
            }
            while (column != 0);
        }
        var result = new int[n];
        for (int j = 1; j <= n; j++)
            result[rowOf[j] - 1] = j - 1;
        return result;
    }

    private enum Step { None, Move, Swap, Replicate, Drop }

    private static void Place(ShardLayout layout, IReadOnlyList<int> order, bool[]? holdsNow, double? stickiness)
    {
        int shards = layout.Shards, layers = layout.Layers, experts = layout.Experts;
        var need = new int[experts];
        var waiting = new int[shards + 1]; // experts still to start, by replicas to place
        foreach (int e in order)
        {
            need[e] = layout.Replicas[e];
            for (int s = 0; s < shards; s++)
                if (layout.Holds(s, e))
                    need[e]--;
            waiting[need[e]]++;
        }
        var max = new double[layers];
        double scale = 0;
        for (int l = 0; l < layers; l++)
        {
            max[l] = layout.ShardLoad[l].Max();
            for (int e = 0; e < experts; e++)
                scale += layout.Weight(l, e) * layout.Replicas[e] / shards;
        }
        double tie = 1e-12 * scale;
        double slack = stickiness ?? 0;
        var increase = new double[shards];
        var totalLoad = new double[shards];
        var open = new bool[shards];
        var demand = new long[shards + 1];

        foreach (int e in order)
        {
            waiting[need[e]]--;
            for (int k = 0; k <= shards; k++)
            {
                demand[k] = 0;
                for (int r = shards - k + 1; r <= shards; r++)
                    demand[k] += (long)waiting[r] * (r - shards + k);
            }
            double least = 0; // the smallest increase this replica can cause, for Better
            for (int placed = 0; placed < need[e]; placed++)
            {
                least = double.PositiveInfinity;
                for (int s = 0; s < shards; s++)
                {
                    open[s] = layout.Free(s) > 0 && !layout.Holds(s, e);
                    if (!open[s])
                        continue;
                    double up = 0;
                    for (int l = 0; l < layers; l++)
                        up += Math.Max(0, layout.ShardLoad[l][s] + layout.Weight(l, e) - max[l]);
                    increase[s] = up;
                    totalLoad[s] = layout.TotalLoad(s);
                    least = Math.Min(least, up);
                }
                int chosen;
                while (true)
                {
                    chosen = -1;
                    for (int s = 0; s < shards; s++)
                        if (open[s] && (chosen < 0 || Better(s, chosen)))
                            chosen = s;
                    if (chosen < 0)
                        throw new InvalidOperationException($"no shard can take a replica of expert {e}; the replica counts did not fit the capacities");
                    if (CanComplete(layout, e, need[e] - placed - 1, demand, chosen))
                        break;
                    open[chosen] = false;
                }
                layout.Add(chosen, e);
                for (int l = 0; l < layers; l++)
                    max[l] = Math.Max(max[l], layout.ShardLoad[l][chosen]);
            }

            bool Better(int s, int than)
            {
                bool holds = holdsNow is not null && holdsNow[s * experts + e], thanHolds = holdsNow is not null && holdsNow[than * experts + e];
                if (stickiness is not null)
                {
                    bool keep = holds && increase[s] <= least + slack, thanKeep = thanHolds && increase[than] <= least + slack;
                    if (keep != thanKeep)
                        return keep;
                }
                if (Math.Abs(increase[s] - increase[than]) > tie)
                    return increase[s] < increase[than];
                if (Math.Abs(totalLoad[s] - totalLoad[than]) > tie)
                    return totalLoad[s] < totalLoad[than];
                if (holds != thanHolds)
                    return holds;
                return s < than;
            }
        }
    }

    /// <summary>
    /// Whether, after a replica of <paramref name="expert"/> goes to <paramref name="placing"/>,
    /// its <paramref name="stillToPlace"/> other replicas and every waiting expert's replicas can
    /// all go to distinct shards within the free slots. That is a flow problem (source to expert,
    /// one unit to each shard it may use, shard to sink up to its free slots), so by max-flow
    /// min-cut it is feasible exactly when for every set B of shards the free slots of B plus
    /// what each expert can place outside B cover the whole demand. For |B| = k and j of B among
    /// the shards this expert may still use, the worst B takes the smallest free counts on each
    /// side; <paramref name="demand"/>[k] is what the waiting experts must put into B.
    /// </summary>
    private static bool CanComplete(ShardLayout layout, int expert, int stillToPlace, long[] demand, int placing)
    {
        int shards = layout.Shards;
        var usable = new List<int>(shards);
        var other = new List<int>(shards);
        for (int s = 0; s < shards; s++)
        {
            int free = layout.Free(s) - (s == placing ? 1 : 0);
            (s != placing && !layout.Holds(s, expert) ? usable : other).Add(free);
        }
        usable.Sort();
        other.Sort();
        var usableSum = Prefix(usable);
        var otherSum = Prefix(other);
        for (int k = 0; k <= shards; k++)
            for (int j = Math.Max(0, k - other.Count); j <= Math.Min(k, usable.Count); j++)
                if (usableSum[j] + otherSum[k - j] < demand[k] + Math.Max(0, stillToPlace - (usable.Count - j)))
                    return false;
        return true;

        static long[] Prefix(List<int> values)
        {
            var sums = new long[values.Count + 1];
            for (int i = 0; i < values.Count; i++)
                sums[i + 1] = sums[i] + values[i];
            return sums;
        }
    }

    /// <summary>Highest load per replica first, then the lower expert id.</summary>
    private sealed class HottestFirst : IComparer<(double Key, int Expert)>
    {
        public static readonly HottestFirst Instance = new();

        public int Compare((double Key, int Expert) x, (double Key, int Expert) y)
        {
            int byKey = y.Key.CompareTo(x.Key);
            return byKey != 0 ? byKey : x.Expert.CompareTo(y.Expert);
        }
    }
}
