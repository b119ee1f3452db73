using Kimi.Cluster.Model.Layers.Vision;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// An image of a prompt as the engine takes it: the run of placeholder tokens it fills (one per
/// merged patch, from <see cref="FirstToken"/>), its patch grid, its pixel values as the encoder
/// reads them ([patches, 3·patch²], patches row-major, each (channel, y, x)) and its content hash,
/// which keys its positions in the prefix cache.
/// </summary>
public sealed record PromptImageInput(int FirstToken, ImageGrid Grid, float[] PixelValues, ulong ContentHash)
{
    public int Tokens => Grid.MergedTokens;

    public int EndToken => FirstToken + Tokens;
}
