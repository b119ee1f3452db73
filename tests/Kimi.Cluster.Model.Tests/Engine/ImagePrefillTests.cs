using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Layers.Vision;
using Kimi.Cluster.Model.Tests.Support;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Model.Tests.Engine;

/// <summary>
/// Prompts with images through the continuous engine: the encoder's rows replace the placeholder
/// embeddings however the prefill is chunked (a chunk may end inside an image), the image's pixels
/// decide the output, and a model without a vision encoder refuses images.
/// </summary>
public sealed class ImagePrefillTests(TinyVisionModelFixture fixture) : IClassFixture<TinyVisionModelFixture>
{
    private static readonly ImageGrid Tall = new(6, 4), Wide = new(4, 8);

    [Fact]
    public void Generate_GivesTheSameTokens_WhateverTheChunksOfThePrefill()
    {
        var request = Request(fixture.Vision.Pixels([Tall], seed: 1), fixture.Vision.Pixels([Wide], seed: 2));

        var whole = fixture.Model.Generate([request])[0];
        var chunked = fixture.Model.Generate([request], maxBatchTokens: 5)[0];

        Assert.Equal(whole.Tokens.Select(t => t.TokenId), chunked.Tokens.Select(t => t.TokenId));
        foreach (var (a, b) in whole.Tokens.Zip(chunked.Tokens))
            Assert.True(Math.Abs(a.Logprob - b.Logprob) < 1e-4, $"{a.Logprob} vs {b.Logprob}");
    }

    [Fact]
    public void Generate_Depends_OnTheImagesPixels()
    {
        var pixels = fixture.Vision.Pixels([Tall], seed: 1);
        var first = fixture.Model.Generate([Request(pixels, fixture.Vision.Pixels([Wide], seed: 2))])[0];
        var second = fixture.Model.Generate([Request(pixels, fixture.Vision.Pixels([Wide], seed: 3))])[0];

        Assert.NotEqual(first.Tokens.Select(t => t.Logprob), second.Tokens.Select(t => t.Logprob));
    }

    [Fact]
    public void Validate_RefusesImages_OnAModelWithoutAVisionEncoder()
    {
        using var textOnly = LoadedModel.CreateBuiltInTiny();
        var request = Request(fixture.Vision.Pixels([Tall], seed: 1), fixture.Vision.Pixels([Wide], seed: 2));
        Assert.Throws<ArgumentException>(() => textOnly.Generate([request]));
    }

    [Fact]
    public void Validate_RefusesImages_ThatOverlapOrRunPastThePrompt()
    {
        var tall = fixture.Vision.Pixels([Tall], seed: 1);
        var overlapping = Request(tall, fixture.Vision.Pixels([Wide], seed: 2)) with
        {
            Images = [new PromptImageInput(3, Tall, tall, 1), new PromptImageInput(5, Tall, tall, 2)],
        };
        Assert.Throws<ArgumentException>(() => fixture.Model.Generate([overlapping]));
        var past = overlapping with { Images = [new PromptImageInput(25, Tall, tall, 1)] };
        Assert.Throws<ArgumentException>(() => fixture.Model.Generate([past]));
    }

    [Fact]
    public void Load_ServesTextAndNamesAMissingTensor_WhenTheCheckpointLacksTheVisionTower()
    {
        using var directory = new TempDirectory("text-only-k25");
        TinyCheckpointWriter.WriteWithTensorDropped(directory.Path, TinyVisionModel.Spec, "vision_tower.encoder.blocks.1.wo.weight");

        using var model = LoadedModel.Load(directory.Path);

        Assert.Null(model.Vision);
        Assert.Contains("vision_tower.encoder.blocks.1.wo.weight", model.VisionNote, StringComparison.Ordinal);
        var text = new GenerationRequest([.. Enumerable.Range(10, 8)], new SamplingParams { Temperature = 0, MaxTokens = 2, IgnoreEos = true });
        Assert.Equal(2, model.Generate([text])[0].Tokens.Count);
        var error = Assert.Throws<ArgumentException>(() => model.Generate([Request(fixture.Vision.Pixels([Tall], 1), fixture.Vision.Pixels([Wide], 2))]));
        Assert.Contains("serving text only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CapacityPlan_CountsTheVisionTower_AsTheWorkerHoldsIt()
    {
        var plan = Kimi.Cluster.Model.Configuration.Capacity.CapacityPlanner.Plan(
            fixture.Model.Config, "bfloat16", new Kimi.Cluster.Model.Configuration.Capacity.CapacityOptions());

        var worker = Assert.Single(plan.Processes);
        Assert.Equal(fixture.Model.Resident.ByForm.Where(p => p.Value != 0).ToDictionary(), worker.WeightBytesByForm.ToDictionary());
    }

    /// <summary>Text, a 6×4-patch image (6 tokens), text, a 4×8-patch image (8 tokens), text: 30 tokens.</summary>
    private static GenerationRequest Request(float[] tall, float[] wide)
    {
        int[] prompt = [.. Enumerable.Range(10, 30)];
        return new GenerationRequest(prompt, new SamplingParams { Temperature = 0, MaxTokens = 4, Logprobs = 1, IgnoreEos = true })
        {
            Images = [new PromptImageInput(3, Tall, tall, 11), new PromptImageInput(12, Wide, wide, 12)],
        };
    }
}

/// <summary>The tiny K2.5 checkpoint with a vision tower, loaded once as a serving model.</summary>
public sealed class TinyVisionModelFixture : IDisposable
{
    public TinyVisionModelFixture() => Model = LoadedModel.Load(Vision.Directory);

    public TinyVisionModel Vision { get; } = new();

    public LoadedModel Model { get; }

    public void Dispose()
    {
        Model.Dispose();
        Vision.Dispose();
    }
}
