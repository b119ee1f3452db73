using Kimi.Cluster.Model.Configuration;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// MoonViT's 2D rotary embedding on interleaved pairs (x[2k], x[2k+1]) of each head: pair 2i turns
/// by column·fᵢ and pair 2i+1 by row·fᵢ, fᵢ = θ^(−i/(head_dim/4)) for i &lt; head_dim/4, with
/// (row, column) the patch's place in its own image. Angles are computed in double.
/// </summary>
public sealed class VisionRotaryEmbedding(int headDim, double theta = VisionConfig.RopeTheta)
{
    private readonly double[] _frequencies = Frequencies(headDim, theta);

    public static double[] Frequencies(int headDim, double theta) =>
        Enumerable.Range(0, headDim / 4).Select(i => Math.Pow(theta, -i / (headDim / 4.0))).ToArray();

    /// <summary>cos and sin of every patch's angles, two [Σ patches, head_dim/2] float32 tensors.</summary>
    public (Tensor Cos, Tensor Sin) Angles(IReadOnlyList<ImageGrid> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int pairs = 2 * _frequencies.Length, patches = images.Sum(i => i.Patches);
        var cos = new float[patches * pairs];
        var sin = new float[patches * pairs];
        int at = 0;
        foreach (var image in images)
        {
            for (int row = 0; row < image.Rows; row++)
            {
                for (int column = 0; column < image.Columns; column++, at += pairs)
                    Fill(cos.AsSpan(at, pairs), sin.AsSpan(at, pairs), row, column);
            }
        }
        return (tensor(cos, [patches, pairs]), tensor(sin, [patches, pairs]));
    }

    private void Fill(Span<float> cos, Span<float> sin, int row, int column)
    {
        for (int i = 0; i < _frequencies.Length; i++)
        {
            double byColumn = column * _frequencies[i], byRow = row * _frequencies[i];
            (cos[2 * i], sin[2 * i]) = ((float)Math.Cos(byColumn), (float)Math.Sin(byColumn));
            (cos[2 * i + 1], sin[2 * i + 1]) = ((float)Math.Cos(byRow), (float)Math.Sin(byRow));
        }
    }
}
