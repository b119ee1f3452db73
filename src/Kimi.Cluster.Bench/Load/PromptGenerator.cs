namespace Kimi.Cluster.Bench.Load;

/// <summary>
/// Random token-id prompts, the same for the same seed (the models have no tokenizer, so
/// vLLM's "random" dataset is the natural fit: ids drawn uniformly from the vocabulary).
/// </summary>
public static class PromptGenerator
{
    public static IReadOnlyList<int[]> Generate(int count, int length, int vocabSize, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 2);
        var random = new Random(seed);
        var prompts = new int[count][];
        for (int i = 0; i < count; i++)
        {
            prompts[i] = new int[length];
            for (int j = 0; j < length; j++)
                prompts[i][j] = random.Next(vocabSize);
        }
        return prompts;
    }
}
