using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Kimi.Cluster.Vision.Resizing;
using Kimi.Cluster.Vision.Tests.Support;

namespace Kimi.Cluster.Vision.Tests;

/// <summary>
/// The whole preprocessor against tests/crosscheck/pillow_reference.py, which runs Moonshot's
/// steps with Pillow and numpy: the navit plan for many sizes, and pixel_values float for float.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class PipelineCrossCheckTests
{
    [Fact]
    public async Task Plan_MatchesPython_ForManySizes()
    {
        if (await PillowReference.RequireAsync() is not { } python)
            return;
        var random = new Random(11);
        var sizes = new List<(int Width, int Height)> { (1, 1), (1, 1000), (13, 13), (14, 14), (27, 28), (7168, 7168), (7169, 1), (65535, 65535) };
        for (int i = 0; i < 5000; i++)
            sizes.Add((random.Next(1, 12_000), random.Next(1, 12_000)));
        var job = new JsonObject { ["op"] = "navit", ["sizes"] = new JsonArray([.. sizes.Select(s => new JsonArray(s.Width, s.Height))]) };

        var plans = (await PillowReference.RunAsync(python, [job]))[0]["plans"]!.AsArray();

        for (int i = 0; i < sizes.Count; i++)
        {
            var plan = NavitResize.Plan(sizes[i].Width, sizes[i].Height);
            int[] expected = [.. plans[i]!.AsArray().Select(v => (int)v!)];
            Assert.True(expected.SequenceEqual([plan.ResizedWidth, plan.ResizedHeight, plan.PadRight, plan.PadBottom, plan.MergedTokenCount]),
                $"{sizes[i].Width}x{sizes[i].Height}: python [{string.Join(", ", expected)}], ours {plan}");
        }
    }

    [Fact]
    public async Task Preprocess_MatchesNumpyPixelValuesExactly_ForSeveralImages()
    {
        if (await PillowReference.RequireAsync() is not { } python)
            return;
        using var scratch = new ScratchDirectory();
        var picture = TestImages.Gradient(700, 500, noise: 60, seed: 2);
        var files = new (string Name, byte[] Encoded)[]
        {
            ("224x224 png", PngWriter.Write(224, 224, PngWriter.Rgb, 8, TestImages.Noise(224, 224, seed: 1).Pixels)),
            ("1920x1080 png, padded only", PngWriter.Write(1920, 1080, PngWriter.Rgb, 8, TestImages.Gradient(1920, 1080, noise: 16, seed: 3).Pixels)),
            ("2400x1800 png, resized", PngWriter.Write(2400, 1800, PngWriter.Rgb, 8, TestImages.Edges(2400, 1800).Pixels)),
            ("1x1 png", PngWriter.Write(1, 1, PngWriter.Rgb, 8, [0, 128, 255])),
            ("1x1000 png", PngWriter.Write(1, 1000, PngWriter.Rgb, 8, TestImages.Noise(1, 1000, seed: 4).Pixels)),
            ("9000x40 png, side limit", PngWriter.Write(9000, 40, PngWriter.Rgb, 8, TestImages.Noise(9000, 40, seed: 5).Pixels)),
            ("700x500 rgba png", PngWriter.Write(700, 500, PngWriter.Rgba, 8, TestImages.WithAlpha(picture))),
            ("700x500 jpeg", SkiaEncoder.Jpeg(picture, 85)),
            ("700x500 webp", SkiaEncoder.WebP(picture, lossless: false)),
        };
        var jobs = files.Select((file, i) =>
        {
            File.WriteAllBytes(scratch.File($"{i}.bin"), file.Encoded);
            return new JsonObject { ["op"] = "pixel_values", ["input"] = scratch.File($"{i}.bin"), ["output"] = scratch.File($"{i}.f32") };
        }).ToList();
        var results = await PillowReference.RunAsync(python, jobs);

        var preprocessor = new ImagePreprocessor();
        for (int i = 0; i < files.Length; i++)
        {
            var ours = preprocessor.Preprocess(files[i].Encoded);
            var grid = results[i]["grid"]!.AsArray().Select(v => (int)v!).ToArray();
            Assert.Equal([1, ours.GridRows, ours.GridColumns], grid);
            Assert.Equal((int)results[i]["num_tokens"]!, ours.MergedTokenCount);
            var expected = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(scratch.File($"{i}.f32")));
            Assert.True(BitwiseEqual(ours.PixelValues, expected, out string difference), $"{files[i].Name}: {difference}");
        }
    }

    /// <summary>Compares float bit patterns (so -0 and 0 differ, as they would in the encoder's input bytes).</summary>
    private static bool BitwiseEqual(float[] actual, ReadOnlySpan<float> expected, out string difference)
    {
        difference = "";
        if (actual.Length != expected.Length)
        {
            difference = $"{actual.Length} values, numpy has {expected.Length}";
            return false;
        }
        var actualBits = MemoryMarshal.Cast<float, int>(actual.AsSpan());
        var expectedBits = MemoryMarshal.Cast<float, int>(expected);
        int first = actualBits.CommonPrefixLength(expectedBits);
        if (first == actual.Length)
            return true;
        difference = $"first difference at {first} (patch {first / 588}): {actual[first]}, numpy {expected[first]}";
        return false;
    }
}
