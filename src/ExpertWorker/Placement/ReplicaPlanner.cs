namespace Kimi.Cluster.ExpertWorker.Placement;

/// <summary>Where one replica of a shard answered from; null when it did not answer (or its silo is gone).</summary>
public readonly record struct LocatedReplica<TSilo>(int Shard, int Replica, TSilo? Silo) where TSilo : class;

/// <summary>
/// Where every replica should be: <see cref="Targets"/> for all of them (a replica that is not
/// active is placed there when activated); <see cref="Moves"/> are the live replicas to end and
/// place again; <see cref="Complete"/> is false when more moves wait until these are done.
/// </summary>
public sealed record ReplicaPlan<TSilo>(
    IReadOnlyDictionary<(int Shard, int Replica), TSilo> Targets, IReadOnlyList<(int Shard, int Replica)> Moves, bool Complete);

/// <summary>
/// Plans replica placement with as few loads as possible: live replicas stay; a lost replica goes
/// to the silo with the fewest replicas that does not hold its shard; a replica sharing a silo
/// with another of its shard moves away; and replicas move from the fullest silo to the emptiest
/// until they differ by at most one, which is how a worker that came back, or joined, gets its
/// share. A silo may have a budget (the most replicas it can hold: its memory, or what its kind
/// of worker is given): new and moving replicas go only where there is room, and replicas above
/// a budget move to silos with room; when no silo has room, a lost replica still goes to the
/// emptiest one (serving beats refusing). A shard moves one replica at a time. A move loads
/// before it unloads: the worker it
/// leaves keeps serving its copy until attention workers route by the new table (see
/// <see cref="Model.RoutedExperts.ExpertShardSet.Depart"/>), so even a shard's only replica moves.
/// </summary>
public static class ReplicaPlanner
{
    /// <param name="located">Every replica of every shard.</param>
    /// <param name="orderedSilos">The active silos, in the placement director's order (ties go to the first).</param>
    /// <param name="budget">The most replicas a silo can hold; null: no limit anywhere.</param>
    public static ReplicaPlan<TSilo> Plan<TSilo>(
        IReadOnlyList<LocatedReplica<TSilo>> located, IReadOnlyList<TSilo> orderedSilos, Func<TSilo, int>? budget = null)
        where TSilo : class
    {
        var targets = new Dictionary<(int Shard, int Replica), TSilo>();
        var moves = new List<(int Shard, int Replica)>();
        if (orderedSilos.Count == 0)
            return new(targets, moves, Complete: true);
        var held = orderedSilos.ToDictionary(s => s, _ => 0);
        var live = located.Where(r => r.Silo is not null && held.ContainsKey(r.Silo)).OrderBy(r => r.Shard).ThenBy(r => r.Replica).ToList();
        foreach (var replica in live)
            Place((replica.Shard, replica.Replica), replica.Silo!);
        foreach (var lost in located.Where(r => !targets.ContainsKey((r.Shard, r.Replica))).OrderBy(r => r.Shard).ThenBy(r => r.Replica))
        {
            Place((lost.Shard, lost.Replica), Emptiest(lost.Shard, orderedSilos)
                ?? orderedSilos.Where(s => !Holds(s, lost.Shard)).MinBy(s => held[s]) ?? orderedSilos.MinBy(s => held[s])!);
        }

        bool complete = true;
        var moving = new HashSet<int>();
        // A move is possible when the shard is not moving a replica already.
        bool MayMove(int shard)
        {
            if (moving.Add(shard))
                return true;
            complete = false; // the next plan moves it
            return false;
        }

        foreach (var replica in live)
        {
            var key = (replica.Shard, replica.Replica);
            bool doubled = live.Any(o => o.Shard == replica.Shard && o.Replica < replica.Replica && Equals(targets[(o.Shard, o.Replica)], targets[key]));
            if (doubled && Emptiest(replica.Shard, orderedSilos) is { } free && MayMove(replica.Shard))
                Move(key, free);
        }
        while (MoveOneTowardsBalance())
        {
        }
        return new(targets, moves, complete);

        // One replica from a silo above its budget, or holding two or more above the emptiest one
        // with room, to that one.
        bool MoveOneTowardsBalance()
        {
            var emptiest = orderedSilos.Where(HasRoom).MinBy(s => held[s]);
            if (emptiest is null)
                return false;
            foreach (var full in orderedSilos.Where(s => held[s] > Budget(s) || held[s] > held[emptiest] + 1)
                .OrderByDescending(s => held[s] > Budget(s)).ThenByDescending(s => held[s]))
                foreach (var (shard, replica, _) in live)
                    if (Equals(targets[(shard, replica)], full) && !Holds(emptiest, shard) && MayMove(shard))
                    {
                        Move((shard, replica), emptiest);
                        return true;
                    }
            return false;
        }

        void Place((int, int) key, TSilo silo)
        {
            targets[key] = silo;
            held[silo]++;
        }

        void Move((int Shard, int Replica) key, TSilo silo)
        {
            held[targets[key]]--;
            Place(key, silo);
            moves.Add(key);
        }

        bool Holds(TSilo silo, int shard) => targets.Any(t => t.Key.Shard == shard && Equals(t.Value, silo));

        int Budget(TSilo silo) => budget?.Invoke(silo) ?? int.MaxValue;

        bool HasRoom(TSilo silo) => held[silo] < Budget(silo);

        TSilo? Emptiest(int shard, IReadOnlyList<TSilo> silos) =>
            silos.Where(s => !Holds(s, shard) && HasRoom(s)).OrderBy(s => held[s]).FirstOrDefault();
    }
}
