using System.Text.Json.Nodes;
using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Resizing;
using Kimi.Cluster.Vision.Tests.Support;

namespace Kimi.Cluster.Vision.Tests;

/// <summary>
/// The resampler against Pillow's <c>Image.resize(..., BICUBIC)</c> on the same RGB bytes, for
/// exact equality: one-axis and two-axis downscales, odd sizes, extreme aspect ratios, large
/// factors, single-pixel sides, unchanged sizes, and (outside the navit rule) upscales.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class ResamplerCrossCheckTests
{
    private static readonly (int Width, int Height, int ToWidth, int ToHeight, TestImages.Kind Kind)[] _cases =
    [
        (4000, 3000, 2073, 1554, TestImages.Kind.NoisyGradient), // navit's 4000x3000
        (3000, 3000, 1794, 1794, TestImages.Kind.Edges), // navit's 3000x3000
        (1920, 1080, 1920, 1080, TestImages.Kind.Noise), // unchanged: a copy
        (1000, 37, 500, 37, TestImages.Kind.Noise), // width only
        (37, 1000, 37, 333, TestImages.Kind.Noise), // height only
        (641, 479, 320, 239, TestImages.Kind.Noise), // odd, both axes
        (641, 479, 640, 478, TestImages.Kind.Noise), // barely smaller
        (257, 255, 256, 254, TestImages.Kind.Edges),
        (100, 100, 50, 50, TestImages.Kind.Edges), // integer factor
        (100, 100, 99, 33, TestImages.Kind.NoisyGradient),
        (20000, 30, 7168, 10, TestImages.Kind.Noise), // extreme aspect, navit's side limit
        (30, 20000, 10, 7168, TestImages.Kind.NoisyGradient),
        (1, 1000, 1, 500, TestImages.Kind.Noise), // one-pixel side
        (1000, 1, 333, 1, TestImages.Kind.Noise),
        (5, 5, 1, 1, TestImages.Kind.Noise), // to a single pixel
        (2, 3, 1, 1, TestImages.Kind.Edges),
        (7000, 40, 1, 1, TestImages.Kind.Noise), // factor 7000
        (10, 7, 33, 21, TestImages.Kind.Noise), // upscale
        (3, 2, 100, 5, TestImages.Kind.Edges), // upscale, tiny source
        (50, 60, 120, 31, TestImages.Kind.Noise), // up in one axis, down in the other
    ];

    [Fact]
    public async Task Resize_MatchesPillowBitForBit_ForManySizesAndAspects()
    {
        if (await PillowReference.RequireAsync() is not { } python)
            return;
        using var scratch = new ScratchDirectory();
        var sources = _cases.Select((c, i) => TestImages.Create(c.Kind, c.Width, c.Height, seed: i)).ToList();
        var jobs = _cases.Select((c, i) =>
        {
            File.WriteAllBytes(scratch.File($"{i}.rgb"), sources[i].Pixels);
            return new JsonObject
            {
                ["op"] = "resize", ["input"] = scratch.File($"{i}.rgb"), ["width"] = c.Width, ["height"] = c.Height,
                ["to_width"] = c.ToWidth, ["to_height"] = c.ToHeight, ["output"] = scratch.File($"{i}.out"),
            };
        }).ToList();
        await PillowReference.RunAsync(python, jobs);

        var failures = new List<string>();
        for (int i = 0; i < _cases.Length; i++)
        {
            var c = _cases[i];
            var ours = PillowBicubicResampler.Resize(sources[i], c.ToWidth, c.ToHeight);
            var pillow = new RgbImage(c.ToWidth, c.ToHeight, File.ReadAllBytes(scratch.File($"{i}.out")));
            if (ImageDifference.Describe(ours, pillow) is { } difference)
                failures.Add($"{c.Kind} {c.Width}x{c.Height} -> {c.ToWidth}x{c.ToHeight}: {difference}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Sizes the navit rule actually produces, for random originals up to 3500 a side (mostly ones it shrinks).</summary>
    [Fact]
    public async Task Resize_MatchesPillowBitForBit_ForNavitSizesOfRandomImages()
    {
        if (await PillowReference.RequireAsync() is not { } python)
            return;
        using var scratch = new ScratchDirectory();
        var random = new Random(42);
        var cases = new List<(RgbImage Source, NavitResizePlan Plan)>();
        while (cases.Count < 8)
        {
            int width = random.Next(1, 3500), height = random.Next(1, 3500);
            var plan = NavitResize.Plan(width, height);
            if (plan.ResizedWidth != width || plan.ResizedHeight != height || cases.Count % 4 == 3)
                cases.Add((TestImages.Create((TestImages.Kind)(cases.Count % 4), width, height, seed: cases.Count), plan));
        }
        var jobs = cases.Select((c, i) =>
        {
            File.WriteAllBytes(scratch.File($"{i}.rgb"), c.Source.Pixels);
            return new JsonObject
            {
                ["op"] = "resize", ["input"] = scratch.File($"{i}.rgb"), ["width"] = c.Source.Width, ["height"] = c.Source.Height,
                ["to_width"] = c.Plan.ResizedWidth, ["to_height"] = c.Plan.ResizedHeight, ["output"] = scratch.File($"{i}.out"),
            };
        }).ToList();
        await PillowReference.RunAsync(python, jobs);

        for (int i = 0; i < cases.Count; i++)
        {
            var (source, plan) = cases[i];
            var ours = PillowBicubicResampler.Resize(source, plan.ResizedWidth, plan.ResizedHeight);
            var pillow = new RgbImage(plan.ResizedWidth, plan.ResizedHeight, File.ReadAllBytes(scratch.File($"{i}.out")));
            Assert.True(ImageDifference.Describe(ours, pillow) is null,
                $"{source.Width}x{source.Height} -> {plan.ResizedWidth}x{plan.ResizedHeight}: {ImageDifference.Describe(ours, pillow)}");
        }
    }
}
