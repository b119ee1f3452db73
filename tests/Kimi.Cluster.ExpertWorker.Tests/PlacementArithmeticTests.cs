using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Grains;
using Kimi.Cluster.ExpertWorker.Placement;

namespace Kimi.Cluster.ExpertWorker.Tests;

public sealed class PlacementArithmeticTests
{
    [Theory]
    [InlineData(384, 3)]
    [InlineData(384, 7)]
    [InlineData(16, 16)]
    public void ShardRanges_CoverEveryExpertOnce_InNearEqualParts(int experts, int shards)
    {
        var ranges = ExpertBalancer.Contiguous(experts, shards);
        Assert.Equal(Enumerable.Range(0, experts), ranges.SelectMany(r => r));
        Assert.True(ranges.Max(r => r.Length) - ranges.Min(r => r.Length) <= 1);
    }

    [Fact]
    public void Slots_PutAShardsReplicasOnDifferentSilos_AndBalanceTheSilos()
    {
        const int shards = 3, replicas = 2, silos = 3;
        var siloOf = new Dictionary<(int, int), int>();
        for (int s = 0; s < shards; s++)
            for (int r = 0; r < replicas; r++)
                siloOf[(s, r)] = ExpertShardPlacementDirector.Slot(s, r, replicas) % silos;
        for (int s = 0; s < shards; s++)
            Assert.NotEqual(siloOf[(s, 0)], siloOf[(s, 1)]);
        Assert.All(siloOf.Values.GroupBy(v => v), g => Assert.Equal(2, g.Count()));
    }

    [Theory]
    [InlineData("3/1", 3, 1)]
    [InlineData("0/0", 0, 0)]
    public void ShardKey_RoundTrips(string key, int shard, int replica)
    {
        Assert.Equal(key, IExpertShardGrain.Key(shard, replica));
        Assert.Equal((shard, replica), ShardKey.Parse(key));
    }

    [Theory]
    [InlineData("3")]
    [InlineData("a/b")]
    [InlineData("-1/0")]
    public void ShardKey_RejectsOtherKeys(string key) => Assert.Throws<ArgumentException>(() => ShardKey.Parse(key));
}
