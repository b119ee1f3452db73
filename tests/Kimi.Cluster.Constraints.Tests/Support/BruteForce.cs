using Kimi.Cluster.Constraints;

namespace Kimi.Cluster.Constraints.Tests.Support;

/// <summary>Checks a cursor's mask against feeding every id of the vocabulary, one by one.</summary>
internal static class BruteForce
{
    public static void AssertMaskIsExact(ConstraintCursor cursor, TokenVocabulary vocabulary, string label)
    {
        var allowed = cursor.Allowed();
        Assert.Equal(vocabulary.Count, allowed.VocabularySize);
        int count = 0;
        for (int id = 0; id < vocabulary.Count; id++)
        {
            bool accepts = cursor.Accepts(id);
            if (accepts != allowed.Contains(id))
                Assert.Fail($"{label}: token {id} is {(accepts ? "taken" : "refused")} but {(allowed.Contains(id) ? "in" : "not in")} the mask");
            count += accepts ? 1 : 0;
        }
        Assert.Equal(count, allowed.Count);
        Assert.Equal(allowed.Count, allowed.Ids().Count());
    }
}
