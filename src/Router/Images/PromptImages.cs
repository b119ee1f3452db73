using Google.Protobuf;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Router.Images;

/// <summary>
/// Expands each image's one rendered &lt;|media_pad|&gt; into a run of one pad per merged patch, as
/// vLLM and SGLang do, and places the images on those runs: the encoder's rows take the pads'
/// positions, and usage counts the expanded prompt.
/// </summary>
public static class PromptImages
{
    public const string PadToken = KimiSpecialTokens.MediaPad;

    public static (IReadOnlyList<int> Tokens, IReadOnlyList<PromptImage> Images) Expand(
        IReadOnlyList<int> tokens, IReadOnlyList<PreparedImage> images, KimiTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(tokenizer);
        int pad = tokenizer.SpecialTokens.TryGetValue(PadToken, out int id) ? id : -1;
        int pads = pad < 0 ? 0 : tokens.Count(t => t == pad);
        if (pads != images.Count)
        {
            throw ApiException.InvalidRequest(
                $"the rendered prompt holds {pads} {PadToken} tokens for {images.Count} images; message text may not contain {PadToken}", "messages");
        }
        if (images.Count == 0)
            return (tokens, []);
        var expanded = new List<int>(tokens.Count + images.Sum(i => i.Tokens));
        var placed = new List<PromptImage>(images.Count);
        foreach (int token in tokens)
        {
            if (token != pad)
            {
                expanded.Add(token);
                continue;
            }
            var image = images[placed.Count];
            placed.Add(new PromptImage
            {
                FirstToken = (uint)expanded.Count,
                Tokens = (uint)image.Tokens,
                Width = (uint)image.Width,
                Height = (uint)image.Height,
                Rgb = ByteString.CopyFrom(image.Rgb),
                ContentHash = image.ContentHash,
            });
            expanded.AddRange(Enumerable.Repeat(pad, image.Tokens));
        }
        return (expanded, placed);
    }
}
