using System.Text.Json.Nodes;
using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Tests.Support;

namespace Kimi.Cluster.Vision.Tests;

/// <summary>
/// The decoder against Pillow's <c>Image.open(...).convert("RGB")</c> on the same files: every
/// supported format and the PNG/GIF variants with conversion rules of their own.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class DecoderCrossCheckTests
{
    [Fact]
    public async Task Decode_MatchesPillow_ForEverySampleFile()
    {
        if (await PillowReference.RequireAsync() is not { } python)
            return;
        using var scratch = new ScratchDirectory();
        var samples = EncodedSamples.All().ToList();
        var jobs = samples.Select((sample, i) =>
        {
            File.WriteAllBytes(scratch.File($"{i}.bin"), sample.Encoded);
            return new JsonObject { ["op"] = "decode", ["input"] = scratch.File($"{i}.bin"), ["output"] = scratch.File($"{i}.rgb") };
        }).ToList();
        var results = await PillowReference.RunAsync(python, jobs);

        var failures = new List<string>();
        for (int i = 0; i < samples.Count; i++)
        {
            if (results[i]["error"] is { } error)
            {
                failures.Add($"{samples[i].Name}: Pillow refused it: {error}");
                continue;
            }
            var ours = ImageDecoder.Decode(samples[i].Encoded);
            var pillow = new RgbImage((int)results[i]["width"]!, (int)results[i]["height"]!, File.ReadAllBytes(scratch.File($"{i}.rgb")));
            if (ImageDifference.Describe(ours, pillow, samples[i].Tolerance) is { } difference)
                failures.Add($"{samples[i].Name}: {difference}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// The documented difference, pinned down so that a change on either side shows: Pillow clips
    /// 16-bit grey samples to 255, the decoder keeps their high byte (all Skia reads).
    /// </summary>
    [Fact]
    public async Task Decode_DiffersFromPillowOnlyAsDocumented_WhenPngIsSixteenBitGrey()
    {
        if (await PillowReference.RequireAsync() is not { } python)
            return;
        using var scratch = new ScratchDirectory();
        var png = EncodedSamples.SixteenBitGreyPng(16, 8, out var samples);
        File.WriteAllBytes(scratch.File("grey16.png"), png);
        var result = (await PillowReference.RunAsync(python,
            [new JsonObject { ["op"] = "decode", ["input"] = scratch.File("grey16.png"), ["output"] = scratch.File("grey16.rgb") }]))[0];

        var pillow = File.ReadAllBytes(scratch.File("grey16.rgb"));
        var ours = ImageDecoder.Decode(png).Pixels;
        Assert.Equal(samples.SelectMany(v => Enumerable.Repeat((byte)Math.Min(v, (ushort)255), 3)), pillow);
        Assert.Equal(samples.SelectMany(v => Enumerable.Repeat((byte)(v >> 8), 3)), ours);
        Assert.Equal(16, (int)result["width"]!);
    }
}
