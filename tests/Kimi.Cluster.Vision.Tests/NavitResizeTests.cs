using Kimi.Cluster.Vision.Resizing;

namespace Kimi.Cluster.Vision.Tests;

/// <summary>The navit resize rule: MOONVIT.md's worked examples, its limits, and properties over many sizes.</summary>
public sealed class NavitResizeTests
{
    [Theory]
    [InlineData(224, 224, 224, 224, 0, 0, 16, 16, 64)]
    [InlineData(1920, 1080, 1920, 1080, 12, 12, 78, 138, 2691)]
    [InlineData(3000, 3000, 1794, 1794, 26, 26, 130, 130, 4225)]
    [InlineData(4000, 3000, 2073, 1554, 27, 14, 112, 150, 4200)]
    public void Plan_MatchesWorkedExample_WhenSizeIsFromMoonVitNotes(
        int width, int height, int resizedWidth, int resizedHeight, int padRight, int padBottom, int rows, int columns, int tokens)
    {
        var plan = NavitResize.Plan(width, height);

        Assert.Equal(new NavitResizePlan(resizedWidth, resizedHeight, padRight, padBottom, 14, rows, columns, tokens), plan);
    }

    [Theory]
    [InlineData(100, 50)]
    [InlineData(1792, 1792)] // exactly 128x128 patches: the budget, not over it
    [InlineData(7168, 28)] // exactly the side limit
    public void Plan_KeepsSize_WhenImageFitsTheBudget(int width, int height)
    {
        var plan = NavitResize.Plan(width, height);

        Assert.Equal((width, height), (plan.ResizedWidth, plan.ResizedHeight));
    }

    [Theory]
    [InlineData(20000, 100)]
    [InlineData(100, 20000)]
    [InlineData(65535, 1)]
    [InlineData(7169, 14)]
    public void Plan_CapsTheLongSideAt512Patches_WhenAspectIsExtreme(int width, int height)
    {
        var plan = NavitResize.Plan(width, height);

        Assert.True(plan.ResizedWidth <= 7168 && plan.ResizedHeight <= 7168, $"{plan}");
        Assert.Equal(512, Math.Max(plan.GridRows, plan.GridColumns));
    }

    [Fact]
    public void Plan_GivesOneTokenOfPadding_WhenImageIsOnePixel()
    {
        var plan = NavitResize.Plan(1, 1);

        Assert.Equal(new NavitResizePlan(1, 1, 27, 27, 14, 2, 2, 1), plan);
    }

    [Fact]
    public void Plan_PadsTheNarrowSide_WhenImageIsOnePixelWide()
    {
        var plan = NavitResize.Plan(1, 1000);

        Assert.Equal(new NavitResizePlan(1, 1000, 27, 8, 14, 72, 2, 36), plan);
    }

    [Fact]
    public void Plan_HoldsTheRuleInvariants_ForManyRandomSizes()
    {
        var random = new Random(7);
        for (int i = 0; i < 20_000; i++)
        {
            int width = RandomSide(random), height = RandomSide(random);
            var plan = NavitResize.Plan(width, height);

            string context = $"{width}x{height}: {plan}";
            Assert.True(plan.ResizedWidth is >= 1 && plan.ResizedWidth <= width && plan.ResizedHeight >= 1 && plan.ResizedHeight <= height, context);
            Assert.True(plan.PadRight is >= 0 and < 28 && plan.PadBottom is >= 0 and < 28, context);
            Assert.True(plan.GridRows % 2 == 0 && plan.GridColumns % 2 == 0, context);
            Assert.True(plan.GridRows is >= 2 and <= 512 && plan.GridColumns is >= 2 and <= 512, context);
            Assert.Equal(plan.PaddedWidth, plan.GridColumns * 14);
            Assert.Equal(plan.PaddedHeight, plan.GridRows * 14);
            Assert.Equal(plan.GridRows / 2 * (plan.GridColumns / 2), plan.MergedTokenCount);
            // The patch budget is a target, not a bound: truncation and padding can exceed 16384/4 a little.
            Assert.True(plan.MergedTokenCount <= 16384 / 4 + 300, context);
        }
    }

    [Fact]
    public void Plan_ScalesByTheOptions_WhenGivenOtherSettings()
    {
        var options = new NavitResizeOptions { PatchSize = 16, MergeKernelSize = 2, InPatchLimit = 1024, PatchLimitOnOneSide = 64 };

        var plan = NavitResize.Plan(1024, 1024, options);

        Assert.Equal(new NavitResizePlan(512, 512, 0, 0, 16, 32, 32, 256), plan);
    }

    [Fact]
    public void Plan_ShrinksAgain_WhenGivenAnAlreadyResizedSize()
    {
        // Why workers must not re-plan what a router resized: the rule is not idempotent.
        var first = NavitResize.Plan(1034, 4180);
        var again = NavitResize.Plan(first.ResizedWidth, first.ResizedHeight);

        Assert.Equal((897, 3627), (first.ResizedWidth, first.ResizedHeight));
        Assert.Equal((891, 3605), (again.ResizedWidth, again.ResizedHeight));
    }

    [Fact]
    public void PadToGrid_ReproducesThePlan_ForEveryResizedSize()
    {
        var random = new Random(8);
        for (int i = 0; i < 20_000; i++)
        {
            var plan = NavitResize.Plan(RandomSide(random), RandomSide(random));

            Assert.Equal(plan, NavitResize.PadToGrid(plan.ResizedWidth, plan.ResizedHeight));
        }
    }

    [Fact]
    public void PadToGrid_Throws_WhenASideIsOverTheLimit()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NavitResize.PadToGrid(7169, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => NavitResize.PadToGrid(10, 0));
    }

    /// <summary>Sides spread over small, ordinary and huge, each range equally likely.</summary>
    private static int RandomSide(Random random) => random.Next(3) switch
    {
        0 => random.Next(1, 64),
        1 => random.Next(64, 4096),
        _ => random.Next(4096, 60_000),
    };
}
