using Kimi.Cluster.Bench.Load;

namespace Kimi.Cluster.Bench.Tests;

public sealed class PoissonArrivalsTests
{
    [Fact]
    public void PoissonArrivals_AreTheSameForTheSameSeedAndDifferForAnother()
    {
        var first = PoissonArrivals.Offsets(50, 4, seed: 7);
        Assert.Equal(first, PoissonArrivals.Offsets(50, 4, seed: 7));
        Assert.NotEqual(first, PoissonArrivals.Offsets(50, 4, seed: 8));
    }

    [Fact]
    public void PoissonArrivals_StartAtZeroIncreaseAndAverageOneOverTheRate()
    {
        var offsets = PoissonArrivals.Offsets(20_000, 10, seed: 1);
        Assert.Equal(TimeSpan.Zero, offsets[0]);
        Assert.All(offsets.Zip(offsets.Skip(1)), pair => Assert.True(pair.Second >= pair.First));
        double meanGap = offsets[^1].TotalSeconds / (offsets.Count - 1);
        Assert.InRange(meanGap, 0.095, 0.105);
    }

    [Fact]
    public void PoissonArrivals_StartEveryRequestAtOnce_WhenThereIsNoRate() =>
        Assert.All(PoissonArrivals.Offsets(5, null, seed: 1), offset => Assert.Equal(TimeSpan.Zero, offset));

    [Fact]
    public void PromptGenerator_GivesSeededPromptsWithinTheVocabulary()
    {
        var prompts = PromptGenerator.Generate(8, 16, 512, seed: 3);
        Assert.Equal(8, prompts.Count);
        Assert.All(prompts, prompt => Assert.Equal(16, prompt.Length));
        Assert.All(prompts.SelectMany(p => p), id => Assert.InRange(id, 0, 511));
        Assert.Equal(prompts, PromptGenerator.Generate(8, 16, 512, seed: 3));
    }
}
