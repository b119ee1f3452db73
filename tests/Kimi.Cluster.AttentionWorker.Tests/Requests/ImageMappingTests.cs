using Google.Protobuf;
using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.AttentionWorker.Requests;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.AttentionWorker.Tests.Requests;

/// <summary>
/// The router's resized images as the worker takes them: padded to whole merged patches and cut
/// into the encoder's pixel rows here, each on its placeholder run; anything inconsistent is an
/// InvalidArgument naming the image.
/// </summary>
public sealed class ImageMappingTests
{
    private static readonly ModelDescriptor Model = new("m", VocabSize: 100, MaxPositionEmbeddings: 64, [2], DateTimeOffset.UnixEpoch) { AcceptsImages = true };

    [Fact]
    public void ToDomain_PadsAndPatchesEachImage_OnItsRun()
    {
        // 30×20 pads to 56×28: a 2×4 patch grid, 2 merged tokens; 28×28: 2×2 patches, 1 token.
        var request = Request(prompt: 12, Image(first: 3, tokens: 2, width: 30, height: 20), Image(first: 6, tokens: 1, width: 28, height: 28));

        var images = GenerateRequestMapper.ToDomain(request, Model).Images;

        Assert.Equal([(3, 2, 4), (6, 2, 2)], images.Select(i => (i.FirstToken, i.Grid.Rows, i.Grid.Columns)));
        Assert.Equal(8 * 588, images[0].PixelValues.Length);
        // The padding is pixel value 0, which normalizes to -1 (the last patch lies wholly in it).
        Assert.All(images[0].PixelValues[^588..], v => Assert.Equal(-1f, v));
        Assert.Equal([request.Images[0].ContentHash, request.Images[1].ContentHash], images.Select(i => i.ContentHash));
    }

    [Theory]
    [InlineData(3, 3, 30, 20, "takes 2 tokens, not 3")]
    [InlineData(11, 2, 30, 20, "within the 12-token prompt")]
    [InlineData(3, 2, 30, 0, "needs 0 bytes")]
    [InlineData(3, 2, 8000, 20, "images[0]")]
    public void ToDomain_RefusesNamingTheImage_WhenItIsInconsistent(int first, int tokens, int width, int height, string expected)
    {
        var request = Request(prompt: 12, Image(first, tokens, width, height));

        var error = Assert.Throws<InvalidRequestException>(() => GenerateRequestMapper.ToDomain(request, Model));

        Assert.Contains("images[0]", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToDomain_RefusesOverlappingImages()
    {
        var request = Request(prompt: 12, Image(first: 3, tokens: 2, width: 30, height: 20), Image(first: 4, tokens: 1, width: 28, height: 28));
        var error = Assert.Throws<InvalidRequestException>(() => GenerateRequestMapper.ToDomain(request, Model));
        Assert.Contains("images[1]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToDomain_RefusesImages_WhenTheModelHasNoVisionEncoder()
    {
        var error = Assert.Throws<InvalidRequestException>(() =>
            GenerateRequestMapper.ToDomain(Request(prompt: 12, Image(3, 2, 30, 20)), Model with { AcceptsImages = false }));
        Assert.Contains("no vision encoder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CacheKeys_DifferPerImage_AndLeaveTextAlone()
    {
        int[] prompt = [5, 6, 9, 9, 9, 7];
        PromptImageInput At(ulong hash) => new(2, new Model.Layers.Vision.ImageGrid(2, 6), [], hash);

        var a = ImageCacheKeys.For(prompt, [At(1)])!;
        var b = ImageCacheKeys.For(prompt, [At(2)])!;

        Assert.Equal([5, 6], a[..2]);
        Assert.Equal(7, a[^1]);
        Assert.All(a[2..5], key => Assert.True(key < 0, "image keys are never token ids"));
        Assert.NotEqual(a, b);
        Assert.Equal(a, ImageCacheKeys.For(prompt, [At(1)]));
        Assert.Null(ImageCacheKeys.For(prompt, []));
    }

    private static GenerateRequest Request(int prompt, params PromptImage[] images)
    {
        var request = new GenerateRequest { MaxTokens = 4 };
        request.PromptTokenIds.AddRange(Enumerable.Range(1, prompt));
        request.Images.AddRange(images);
        return request;
    }

    private static PromptImage Image(int first, int tokens, int width, int height) => new()
    {
        FirstToken = (uint)first,
        Tokens = (uint)tokens,
        Width = (uint)width,
        Height = (uint)height,
        Rgb = ByteString.CopyFrom(new byte[width * height * 3].Select((_, i) => (byte)(i * 7)).ToArray()),
        ContentHash = (ulong)(first * 1000 + width),
    };
}
