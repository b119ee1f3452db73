using static TorchSharp.torch;

namespace Kimi.Cluster.Model.TensorSupport;

/// <summary>
/// a + b without the Scalar temporary that TorchSharp's operator + makes for its alpha
/// (see <see cref="KeptScalars"/>); the model's residual and score sums go through here.
/// </summary>
internal static class TensorSums
{
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, KeptScalars.One);
}
