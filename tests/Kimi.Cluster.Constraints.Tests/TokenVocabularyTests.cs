using Kimi.Cluster.Constraints;
using Kimi.Cluster.Constraints.Tests.Support;

namespace Kimi.Cluster.Constraints.Tests;

/// <summary>The vocabulary's byte trie: every token once, duplicates chained, specials and empty byte strings outside it.</summary>
public sealed class TokenVocabularyTests
{
    [Fact]
    public void Trie_HoldsEveryTokenWithBytes_InPreorder()
    {
        var vocabulary = new TokenVocabulary([[1, 2], [1], null, [1, 2], [], [2, 0, 0], [1, 3]]);
        var trie = vocabulary.Trie;
        var found = new List<int>();
        for (int node = 1; node < trie.NodeCount; node++)
        {
            Assert.True(trie.SubtreeEnds[node] > node);
            for (int id = trie.Tokens[node]; id >= 0; id = trie.NextSameBytes[id])
                found.Add(id);
        }
        Assert.Equal([0, 1, 3, 5, 6], found.Order());
        Assert.Equal(3, trie.MaxDepth);
        Assert.True(vocabulary.IsSpecial(2));
        Assert.Equal(7, vocabulary.Count);
    }

    [Fact]
    public void Allowed_IncludesBothIds_OfTokensWithTheSameBytes()
    {
        var cursor = Cursors.ForSchema("""{"type":"string"}""");
        cursor.Accept('"');
        var same = Enumerable.Range(0, TinyVocabulary.Instance.Count).Where(id => TinyVocabulary.Instance.TokenBytes(id) is [0xC3, 0xA9]).ToList();
        Assert.Equal(2, same.Count);
        Assert.All(same, id => Assert.True(cursor.Allowed().Contains(id)));
    }

    [Fact]
    public void Masks_AreSharedAndStable_AcrossCursorsOnManyThreads()
    {
        var compiled = Cursors.Json(Cursors.Grammar(ToolCalls.WeatherSchema), TinyVocabulary.Instance);
        var reference = ConstraintCursor.Start(compiled, TinyVocabulary.EndTokens);
        Cursors.FeedBytes(reference, "{\"city\":\"Pa");
        var expected = reference.Allowed();
        Parallel.For(0, 64, i =>
        {
            var cursor = ConstraintCursor.Start(compiled, TinyVocabulary.EndTokens);
            foreach (char c in "{\"city\":\"Pa")
                cursor.Accept(c);
            Assert.Same(expected, cursor.Allowed());
            var fork = cursor.Fork();
            fork.Accept('"');
            Assert.NotSame(expected, fork.Allowed());
            Assert.Same(expected, cursor.Allowed());
        });
    }
}
