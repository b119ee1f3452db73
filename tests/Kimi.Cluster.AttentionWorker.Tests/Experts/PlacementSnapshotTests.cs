using Kimi.Cluster.Abstractions;
using Kimi.Cluster.AttentionWorker.Experts;

namespace Kimi.Cluster.AttentionWorker.Tests.Experts;

/// <summary>
/// Checking a placement table of explicit per-shard expert sets (what it refuses, naming the
/// problem, and that it accepts replicated experts), and routing by it: the shards holding each
/// expert, and how a replicated expert's tokens are dealt over them.
/// </summary>
public sealed class PlacementSnapshotTests
{
    private const string First = "http://127.0.0.1:1", Second = "http://127.0.0.1:2";

    private static ShardReplicas Shard(int shard, int[] experts, params string[] endpoints) => new(shard, [.. experts], [.. endpoints]);

    private static PlacementTable Table(int expertCount, params ShardReplicas[] shards) => new(7, expertCount, [.. shards]);

    public static TheoryData<int> OutOfRangeExperts => [-1, 4];

    [Theory]
    [MemberData(nameof(OutOfRangeExperts))]
    public void Of_RefusesTheTableNamingTheShardAndExpert_WhenAShardListsAnExpertOutOfRange(int expert)
    {
        var table = Table(4, Shard(0, [0, 1], First), Shard(1, [2, 3, expert], Second));

        var error = Assert.Throws<InvalidOperationException>(() => PlacementSnapshot.Of(table));

        Assert.Contains($"shard 1 lists expert {expert}, which is out of range", error.Message, StringComparison.Ordinal);
        Assert.Contains("v7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_RefusesTheTableNamingTheShardAndExpert_WhenAShardListsAnExpertTwice()
    {
        var table = Table(4, Shard(0, [0, 1, 1], First), Shard(1, [2, 3], Second));

        var error = Assert.Throws<InvalidOperationException>(() => PlacementSnapshot.Of(table));

        Assert.Contains("shard 0 lists expert 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("listed twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_RefusesTheTableNamingTheExpert_WhenNoShardHoldsIt()
    {
        var table = Table(4, Shard(0, [0, 1], First), Shard(1, [3], Second));

        var error = Assert.Throws<InvalidOperationException>(() => PlacementSnapshot.Of(table));

        Assert.Contains("no shard holds expert 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_RefusesTheTableNamingTheShard_WhenAShardHasNoEndpoint()
    {
        var empty = Table(4, Shard(0, [0, 1], First), Shard(1, [2, 3]));
        var unset = Table(4, Shard(0, [0, 1], First), new ShardReplicas(1, [2, 3], default));

        foreach (var table in new[] { empty, unset })
        {
            var error = Assert.Throws<InvalidOperationException>(() => PlacementSnapshot.Of(table));
            Assert.Contains("shard 1 has no endpoint", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ShardIndexesOf_ListsEveryShardHoldingTheExpert_WhenTwoShardsHoldIt()
    {
        // Shard numbers differ from their indexes in the table: routing answers indexes.
        var table = Table(4, Shard(5, [0, 1, 3], First), Shard(9, [2], Second), Shard(4, [3], Second));

        var snapshot = PlacementSnapshot.Of(table);

        Assert.Equal([0, 2], snapshot.ShardIndexesOf(3));
        Assert.Equal([0], snapshot.ShardIndexesOf(1));
        Assert.Equal([1], snapshot.ShardIndexesOf(2));
        Assert.Equal(7, snapshot.Version);
        Assert.Throws<ArgumentOutOfRangeException>(() => snapshot.ShardIndexesOf(4));
    }

    [Fact]
    public void ShardIndexOf_AlwaysAnswersTheOnlyHolder_WhenOneShardHoldsTheExpert()
    {
        var snapshot = PlacementSnapshot.Of(Table(4, Shard(0, [0, 1, 3], First), Shard(1, [2, 3], Second)));

        Assert.All(Enumerable.Range(0, 50), token => Assert.Equal(1, snapshot.ShardIndexOf(2, token)));
        Assert.All(Enumerable.Range(0, 50), token => Assert.Equal(0, snapshot.ShardIndexOf(0, token)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void ShardIndexOf_DealsTheTokensEvenlyAndDeterministically_WhenKShardsHoldTheExpert(int holders)
    {
        const int Experts = 8, Replicated = 5, TokensPerHolder = 100;
        // Shard i holds the replicated expert and the others e with e % holders == i.
        var table = Table(Experts, [.. Enumerable.Range(0, holders).Select(i => Shard(
            i, [.. Enumerable.Range(0, Experts).Where(e => e == Replicated || e % holders == i)], First, Second))]);
        var snapshot = PlacementSnapshot.Of(table);
        var tokens = Enumerable.Range(0, holders * TokensPerHolder);

        int[] chosen = [.. tokens.Select(token => snapshot.ShardIndexOf(Replicated, token))];

        Assert.Equal(Enumerable.Range(0, holders), chosen.Distinct().Order());
        Assert.All(chosen.CountBy(index => index), count => Assert.Equal(TokensPerHolder, count.Value));
        Assert.Equal(chosen, tokens.Select(token => snapshot.ShardIndexOf(Replicated, token)));
        Assert.Equal(chosen, tokens.Select(token => PlacementSnapshot.Of(table).ShardIndexOf(Replicated, token)));
    }
}
