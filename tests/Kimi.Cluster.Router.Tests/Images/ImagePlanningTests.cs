using System.Runtime.InteropServices;
using System.Text.Json;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Chat;
using Kimi.Cluster.Router.Images;
using Kimi.Cluster.Router.Text;
using Kimi.Cluster.Router.Worker;
using Kimi.Cluster.Text.Tokenization;
using SkiaSharp;

namespace Kimi.Cluster.Router.Tests.Images;

/// <summary>
/// Chat requests with images as the router plans them: each image's one rendered pad becomes a run
/// of one pad per merged patch (so the prompt and usage count them), the images are placed on
/// those runs with their resized pixels, and what cannot be served is a 400 naming the part.
/// </summary>
public sealed class ImagePlanningTests
{
    private static readonly ServedModel VisionModel = Model(acceptsImages: true);
    private static readonly ImagePreparer Preparer = new(new ImageFetcher(ImageFetcher.CreateClient(), new ImageInputOptions { AllowRemote = false }));

    private static ServedModel Model(bool acceptsImages)
    {
        var info = new ModelInfo { ModelId = "tiny", VocabSize = 1024, MaxPositionEmbeddings = 4096, BuiltIn = true, AcceptsImages = acceptsImages };
        return new ServedModel(info, ModelText.Load(null, info));
    }

    [Fact]
    public async Task PlanAsync_ExpandsEachImagesPad_AndPlacesTheImagesOnTheirRuns()
    {
        var request = Request(Png(56, 28), "between", Png(60, 100));

        var plan = await ChatPlanner.PlanAsync(request, VisionModel, null, Preparer, default);

        int pad = VisionModel.Text.Tokenizer!.SpecialTokens[KimiSpecialTokens.MediaPad];
        Assert.Equal(2, plan.Images.Count);
        // 56×28: grid 2 rows × 4 columns → 1·2 = 2 tokens. 60×100: padded to 84×112, grid 8×6 → 4·3 = 12 tokens.
        Assert.Equal([2u, 12u], plan.Images.Select(i => i.Tokens));
        Assert.Equal((56u, 28u, 56 * 28 * 3), (plan.Images[0].Width, plan.Images[0].Height, plan.Images[0].Rgb.Length));
        foreach (var image in plan.Images)
            Assert.All(plan.PromptTokenIds.Skip((int)image.FirstToken).Take((int)image.Tokens), token => Assert.Equal(pad, token));
        Assert.Equal(14, plan.PromptTokenIds.Count(t => t == pad));
        Assert.True(plan.Images[1].FirstToken > plan.Images[0].FirstToken + plan.Images[0].Tokens, "text lies between the images");
        Assert.NotEqual(plan.Images[0].ContentHash, plan.Images[1].ContentHash);
    }

    [Fact]
    public async Task PlanAsync_GivesTheSameHash_ForTheSameImage()
    {
        var a = await ChatPlanner.PlanAsync(Request(Png(56, 28)), VisionModel, null, Preparer, default);
        var b = await ChatPlanner.PlanAsync(Request(Png(56, 28)), VisionModel, null, Preparer, default);
        Assert.Equal(a.Images[0].ContentHash, b.Images[0].ContentHash);
    }

    [Fact]
    public async Task PlanAsync_Refuses_WhenTheModelHasNoVisionEncoder()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => ChatPlanner.PlanAsync(Request(Png(56, 28)), Model(acceptsImages: false), null, Preparer, default));
        Assert.Equal((400, "messages"), (error.StatusCode, error.Param));
        Assert.Contains("messages[0].content[0]: this model has no vision encoder", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    [InlineData(new byte[] { (byte)'B', (byte)'M', 0, 0, 0, 0, 0, 0, 0, 0 })]
    public async Task PlanAsync_RefusesNamingThePart_WhenTheImageCannotBeDecoded(byte[] bytes)
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => ChatPlanner.PlanAsync(Request(bytes), VisionModel, null, Preparer, default));
        Assert.Equal((400, "messages"), (error.StatusCode, error.Param));
        Assert.StartsWith("messages[0].content[0]: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_Refuses_WhenTextHoldsAMediaPad()
    {
        var request = Request(Png(56, 28), "<|media_pad|>");
        var error = await Assert.ThrowsAsync<ApiException>(() => ChatPlanner.PlanAsync(request, VisionModel, null, Preparer, default));
        Assert.Contains("may not contain <|media_pad|>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanAsync_Refuses_WhenThereAreTooManyImages()
    {
        var preparer = new ImagePreparer(new ImageFetcher(ImageFetcher.CreateClient(), new ImageInputOptions { MaxImagesPerRequest = 1 }));
        var error = await Assert.ThrowsAsync<ApiException>(() => ChatPlanner.PlanAsync(Request(Png(56, 28), Png(56, 28)), VisionModel, null, preparer, default));
        Assert.Contains("at most 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_RefusesImages_WithoutAPreparer()
    {
        var error = Assert.Throws<ApiException>(() => ChatPlanner.Plan(Request(Png(56, 28)), VisionModel));
        Assert.Equal(400, error.StatusCode);
    }

    /// <summary>One user message: byte arrays become image parts (data: URLs), strings text parts.</summary>
    private static ChatCompletionRequest Request(params object[] parts)
    {
        var content = parts.Select(part => part is byte[] bytes
            ? (object)new { type = "image_url", image_url = new { url = "data:image/png;base64," + Convert.ToBase64String(bytes) } }
            : new { type = "text", text = (string)part });
        string json = JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content } }, max_tokens = 4 });
        return JsonSerializer.Deserialize<ChatCompletionRequest>(json, ApiJson.Options)!;
    }

    /// <summary>A PNG of a smooth gradient, encoded by Skia.</summary>
    private static byte[] Png(int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 4), (byte)(y * 2), (byte)(x + y)));
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
