using Kimi.Cluster.Kernels.Routing;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>The router's choice against a plain double-precision reference written from the rule.</summary>
public sealed class ExpertSelectionTests
{
    public static TheoryData<int, int, bool, int, int, GroupStrength, bool, bool> Rules => new()
    {
        // experts, top-k, sigmoid, groups, kept groups, strength, normalise, bias
        { 8, 2, true, 1, 1, GroupStrength.TopTwoSum, true, true },
        { 384, 8, true, 1, 1, GroupStrength.TopTwoSum, true, true },      // Kimi K2: one group
        { 256, 8, true, 8, 4, GroupStrength.TopTwoSum, true, true },      // DeepSeek-V3
        { 64, 6, false, 8, 3, GroupStrength.Best, false, false },         // DeepSeek-V2 group_limited_greedy
        { 24, 4, false, 1, 1, GroupStrength.Best, true, false },          // softmax, normalised
        { 16, 1, true, 4, 2, GroupStrength.TopTwoSum, true, true },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void ExpertSelection_ChoosesAndWeighsAsTheRuleSays(int experts, int k, bool sigmoid, int groups, int kept, GroupStrength strength, bool normalize, bool withBias)
    {
        var rule = new ExpertSelectionRule(k, sigmoid, groups, kept, strength, normalize, ScalingFactor: 2.5f);
        const int tokens = 7;
        var random = new Random(experts * 31 + k);
        float[] logits = [.. Enumerable.Range(0, tokens * experts).Select(_ => (float)(random.NextDouble() * 8 - 4))];
        float[] bias = withBias ? [.. Enumerable.Range(0, experts).Select(_ => (float)(random.NextDouble() - 0.5))] : [];
        var ids = new int[tokens * k];
        var weights = new float[tokens * k];

        ExpertSelection.Select(rule, logits, tokens, bias, ids, weights);

        for (int t = 0; t < tokens; t++)
        {
            var (expectedIds, expectedWeights) = Reference(rule, logits.AsSpan(t * experts, experts).ToArray(), bias);
            Assert.Equal(expectedIds, ids.AsSpan(t * k, k).ToArray());
            for (int i = 0; i < k; i++)
                Assert.True(Math.Abs(expectedWeights[i] - weights[t * k + i]) <= 1e-5 * (1 + Math.Abs(expectedWeights[i])), $"token {t} choice {i}: {expectedWeights[i]} vs {weights[t * k + i]}");
        }
    }

    [Fact]
    public void ExpertSelection_GivesTiesToTheLowerExpertIdAndOrdersStrongestFirst()
    {
        var rule = new ExpertSelectionRule(3, Sigmoid: true, 1, 1, GroupStrength.TopTwoSum, NormalizeTopK: false, ScalingFactor: 1f);
        float[] logits = [0.5f, 2f, 0.5f, 2f, -1f, 0.5f];
        var ids = new int[3];
        var weights = new float[3];

        ExpertSelection.Select(rule, logits, 1, [], ids, weights);

        Assert.Equal([1, 3, 0], ids);
        Assert.Equal(1f / (1f + MathF.Exp(-2f)), weights[0]);
    }

    [Fact]
    public void ExpertSelection_RefusesWithTheReason_WhenRulesOrSizesAreImpossible()
    {
        var ids = new int[2];
        var weights = new float[2];
        float[] logits = new float[8];
        var tooMany = Assert.Throws<ArgumentException>(() => ExpertSelection.Select(
            new ExpertSelectionRule(9, true, 1, 1, GroupStrength.TopTwoSum, true, 1f), logits, 1, [], new int[9], new float[9]));
        var badGroups = Assert.Throws<ArgumentException>(() => ExpertSelection.Select(
            new ExpertSelectionRule(2, true, 3, 1, GroupStrength.TopTwoSum, true, 1f), logits, 1, [], ids, weights));
        var thinGroups = Assert.Throws<ArgumentException>(() => ExpertSelection.Select(
            new ExpertSelectionRule(2, true, 8, 1, GroupStrength.TopTwoSum, true, 1f), logits, 1, [], ids, weights));
        var badBias = Assert.Throws<ArgumentException>(() => ExpertSelection.Select(
            new ExpertSelectionRule(2, true, 1, 1, GroupStrength.TopTwoSum, true, 1f), logits, 1, new float[3], ids, weights));

        Assert.Contains("top-9 of 8 experts", tooMany.Message, StringComparison.Ordinal);
        Assert.Contains("cannot form 3 groups", badGroups.Message, StringComparison.Ordinal);
        Assert.Contains("fewer than top-2", thinGroups.Message, StringComparison.Ordinal);
        Assert.Contains("3 biases for 8 experts", badBias.Message, StringComparison.Ordinal);
    }

    private static (int[] Ids, double[] Weights) Reference(ExpertSelectionRule rule, float[] logits, float[] bias)
    {
        int n = logits.Length;
        double[] scores;
        if (rule.Sigmoid)
        {
            scores = [.. logits.Select(l => 1 / (1 + Math.Exp(-l)))];
        }
        else
        {
            double max = logits.Max();
            double sum = logits.Sum(l => Math.Exp(l - max));
            scores = [.. logits.Select(l => Math.Exp(l - max) / sum)];
        }
        double[] choice = [.. scores.Select((s, e) => bias.Length == 0 ? s : s + bias[e])];
        if (rule.Groups > 1 && rule.TopkGroups < rule.Groups)
        {
            int per = n / rule.Groups;
            var strength = Enumerable.Range(0, rule.Groups).Select(g =>
            {
                var sorted = choice.Skip(g * per).Take(per).OrderDescending().ToArray();
                return rule.Strength == GroupStrength.Best ? sorted[0] : sorted[0] + sorted[1];
            }).ToArray();
            var keptGroups = Enumerable.Range(0, rule.Groups).OrderByDescending(g => strength[g]).ThenBy(g => g).Take(rule.TopkGroups).ToHashSet();
            for (int e = 0; e < n; e++)
            {
                if (!keptGroups.Contains(e / per))
                    choice[e] = double.NegativeInfinity;
            }
        }
        int[] ids = [.. Enumerable.Range(0, n).OrderByDescending(e => choice[e]).ThenBy(e => e).Take(rule.TopK)];
        double[] weights = [.. ids.Select(e => scores[e])];
        if (rule.NormalizeTopK && rule.TopK > 1)
        {
            double total = weights.Sum() + 1e-20;
            weights = [.. weights.Select(w => w / total)];
        }
        return (ids, [.. weights.Select(w => w * rule.ScalingFactor)]);
    }
}
