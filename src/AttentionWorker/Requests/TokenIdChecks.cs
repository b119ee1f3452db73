namespace Kimi.Cluster.AttentionWorker.Requests;

/// <summary>Checks that token ids a client sent exist in the model's vocabulary.</summary>
public static class TokenIdChecks
{
    public static void RequireInVocabulary(IReadOnlyList<int> tokenIds, string field, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        for (int i = 0; i < tokenIds.Count; i++)
        {
            if (tokenIds[i] < 0 || tokenIds[i] >= vocabSize)
                throw new InvalidRequestException(field,
                    $"{field}: token id {tokenIds[i]} at position {i} is outside the model's vocabulary [0, {vocabSize}).");
        }
    }
}
