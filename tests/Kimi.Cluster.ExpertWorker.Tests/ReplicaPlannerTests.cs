using Kimi.Cluster.ExpertWorker.Placement;

namespace Kimi.Cluster.ExpertWorker.Tests;

/// <summary>
/// <see cref="ReplicaPlanner"/> against a model of the cluster: silos are names in address order,
/// a replica whose silo is gone is activated again where the plan puts it, and a planned move
/// ends the activation and places it again.
/// </summary>
public sealed class ReplicaPlannerTests
{
    private sealed class Cluster(int shards, int replicas, int silos, int[]? budgets = null)
    {
        public readonly string[] All = [.. Enumerable.Range(0, silos).Select(i => $"silo{i:00}")];
        public readonly HashSet<string> Live = [.. Enumerable.Range(0, silos).Select(i => $"silo{i:00}")];
        public readonly Dictionary<(int Shard, int Replica), string> SiloOf = [];
        public int Loads;

        public string[] Ordered => [.. All.Where(Live.Contains)];

        /// <summary>What a table build does: activates the replicas that lost their silo, then moves until the plan is complete.</summary>
        public int Build()
        {
            var first = Plan();
            foreach (var lost in first.Targets.Keys.Where(k => !SiloOf.TryGetValue(k, out var silo) || !Live.Contains(silo)).ToArray())
                Place(lost, first.Targets[lost]);
            int moves = 0;
            for (int round = 0; ; round++)
            {
                Assert.True(round < shards * replicas, "the moves did not settle");
                var plan = Plan();
                foreach (var move in plan.Moves)
                    Place(move, plan.Targets[move]);
                Assert.True(plan.Moves.Select(m => m.Shard).Distinct().Count() == plan.Moves.Count, "a shard moved two replicas at once");
                moves += plan.Moves.Count;
                if (plan.Complete)
                    return moves;
            }
        }

        private ReplicaPlan<string> Plan() => ReplicaPlanner.Plan(
            [.. Enumerable.Range(0, shards * replicas).Select(i => new LocatedReplica<string>(i / replicas, i % replicas,
                SiloOf.TryGetValue((i / replicas, i % replicas), out var silo) && Live.Contains(silo) ? silo : null))],
            Ordered, budgets is null ? null : silo => budgets[Array.IndexOf(All, silo)]);

        private void Place((int Shard, int Replica) key, string silo)
        {
            SiloOf[key] = silo;
            Loads++;
        }

        public int[] Held => [.. Ordered.Select(silo => SiloOf.Values.Count(v => v == silo))];

        /// <summary>A worker that is down comes back, or one that is up is lost (never below <c>replicas</c> workers), at random.</summary>
        public void LoseOrRegainOne(Random random)
        {
            var down = All.Where(s => !Live.Contains(s)).ToArray();
            if (down.Length > 0 && (random.Next(2) == 0 || Live.Count <= replicas))
                Live.Add(down[random.Next(down.Length)]);
            else
                Live.Remove(Ordered[random.Next(Live.Count)]);
        }

        public void AssertEachShardOnDistinctSilos()
        {
            if (Live.Count < replicas)
                return;
            for (int s = 0; s < shards; s++)
                Assert.Equal(replicas, SiloOf.Where(p => p.Key.Shard == s).Select(p => p.Value).Distinct().Count());
        }
    }

    [Fact]
    public void ReplicaPlanner_GivesAWorkerItsReplicasBackAndItsLossMovedNothingElse_WhenItComesBack()
    {
        var cluster = new Cluster(shards: 3, replicas: 2, silos: 3);
        cluster.Build();
        Assert.Equal([2, 2, 2], cluster.Held);

        cluster.Live.Remove("silo02");
        cluster.Loads = 0;
        Assert.Equal(0, cluster.Build());
        Assert.Equal(2, cluster.Loads); // only silo02's two replicas loaded again, on the survivors
        cluster.AssertEachShardOnDistinctSilos();

        cluster.Live.Add("silo02");
        cluster.Loads = 0;
        Assert.Equal(2, cluster.Build()); // the two it lost, no more
        Assert.Equal([2, 2, 2], cluster.Held);
        cluster.AssertEachShardOnDistinctSilos();
    }

    [Fact]
    public void ReplicaPlanner_HasEachWorkerServeAgain_WhenWorkersAreLostAndBackOneAfterAnother()
    {
        // The fault suite's sequence: silo 2 dies and returns, then silo 1.
        var cluster = new Cluster(shards: 3, replicas: 2, silos: 3);
        cluster.Build();
        foreach (var victim in new[] { "silo02", "silo01" })
        {
            cluster.Live.Remove(victim);
            cluster.Build();
            cluster.Live.Add(victim);
            cluster.Build();
            Assert.Equal([2, 2, 2], cluster.Held);
            cluster.AssertEachShardOnDistinctSilos();
        }
    }

    [Fact]
    public void ReplicaPlanner_GivesAJoiningWorkerItsShareOfUnreplicatedShards_OneMovePerShard()
    {
        // A move loads before it unloads, so a shard's only replica moves too (a scale-out of an unreplicated tier).
        var cluster = new Cluster(shards: 6, replicas: 1, silos: 3);
        cluster.Live.Remove("silo02");
        cluster.Build();
        Assert.Equal([3, 3], cluster.Held);
        cluster.Live.Add("silo02");
        Assert.Equal(2, cluster.Build());
        Assert.Equal([2, 2, 2], cluster.Held);
    }

    [Fact]
    public void ReplicaPlanner_SpreadsReplicasPlacedTogetherWhileAWorkerWasDown_WhenItReturns()
    {
        var cluster = new Cluster(shards: 1, replicas: 2, silos: 2);
        cluster.Live.Remove("silo01");
        cluster.Build();
        Assert.Equal(["silo00"], cluster.SiloOf.Values.Distinct());
        cluster.Live.Add("silo01");
        Assert.Equal(1, cluster.Build());
        cluster.AssertEachShardOnDistinctSilos();
    }

    [Fact]
    public void ReplicaPlanner_KeepsEachWorkerWithinItsBudget_AndSpreadsTheRestEvenly()
    {
        // A small worker (budget 1) and two large ones: 6 unreplicated shards.
        var cluster = new Cluster(shards: 6, replicas: 1, silos: 3, budgets: [1, 100, 100]);
        cluster.Build();
        Assert.Equal(1, cluster.Held[0]);
        Assert.Equal([2, 3], cluster.Held[1..].Order());

        // The small worker alone is over budget when the others leave: serving beats refusing.
        cluster.Live.Remove("silo01");
        cluster.Live.Remove("silo02");
        cluster.Build();
        Assert.Equal([6], cluster.Held);

        // When room returns, what is above the budget moves there.
        cluster.Live.Add("silo01");
        cluster.Live.Add("silo02");
        for (int build = 0; build < 6 && cluster.Held[0] > 1; build++)
            cluster.Build();
        Assert.Equal(1, cluster.Held[0]);
        Assert.True(cluster.Held[1..].Max() - cluster.Held[1..].Min() <= 1, $"replicas per worker {string.Join(", ", cluster.Held)}");
    }

    [Theory]
    [InlineData(8, 2, 4, 11)]
    [InlineData(12, 1, 3, 12)]
    [InlineData(9, 3, 5, 13)]
    public void ReplicaPlanner_LeavesAWorkerAboveItsBudgetOnlyWhenNoWorkerWithRoomCanTakeAnyOfItsShards_WhenWorkersComeAndGo(
        int shards, int replicas, int silos, int seed)
    {
        var random = new Random(seed);
        int[] budgets = [.. Enumerable.Range(0, silos).Select(_ => 1 + random.Next(shards * replicas / 2 + 1))];
        var cluster = new Cluster(shards, replicas, silos, budgets);
        cluster.Build();
        for (int step = 0; step < 40; step++)
        {
            cluster.LoseOrRegainOne(random);
            for (int build = 0; build < shards; build++)
                cluster.Build(); // each build moves a shard's replica at most once
            cluster.AssertEachShardOnDistinctSilos();
            Assert.Equal(shards * replicas, cluster.Held.Sum());
            int BudgetOf(string silo) => budgets[Array.IndexOf(cluster.All, silo)];
            int[] ShardsOn(string silo) => [.. cluster.SiloOf.Where(p => p.Value == silo).Select(p => p.Key.Shard)];
            foreach (string over in cluster.Ordered.Where(s => ShardsOn(s).Length > BudgetOf(s)))
            {
                foreach (string room in cluster.Ordered.Where(s => ShardsOn(s).Length < BudgetOf(s)))
                    Assert.True(ShardsOn(over).All(ShardsOn(room).Contains),
                        $"step {step}: {over} holds {ShardsOn(over).Length} replicas over its budget {BudgetOf(over)} while {room} has room for one of them");
            }
        }
    }

    [Theory]
    [InlineData(3, 2, 3, 1)]
    [InlineData(8, 2, 4, 2)]
    [InlineData(14, 2, 5, 3)]
    [InlineData(7, 3, 4, 4)]
    [InlineData(16, 2, 8, 5)]
    public void ReplicaPlanner_HasEveryWorkerServingAndNoShardDoubledUp_WhenWorkersAreLostAndReturnAtRandom(int shards, int replicas, int silos, int seed)
    {
        var random = new Random(seed);
        var cluster = new Cluster(shards, replicas, silos);
        cluster.Build();
        for (int step = 0; step < 40; step++)
        {
            cluster.LoseOrRegainOne(random);
            cluster.Build();
            cluster.AssertEachShardOnDistinctSilos();
            if (cluster.Live.Count == silos)
                Assert.True(cluster.Held.Max() - cluster.Held.Min() <= 1, $"step {step}: replicas per worker {string.Join(", ", cluster.Held)}");
        }
    }
}
