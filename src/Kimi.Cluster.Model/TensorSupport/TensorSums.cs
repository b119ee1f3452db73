using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.TensorSupport;

/// <summary>
/// a + b without the Scalar temporary that TorchSharp's operator + makes for its alpha
/// (see <see cref="KeptScalars"/>); the model's residual and score sums go through here.
/// </summary>
internal static class TensorSums
{
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, KeptScalars.One);

    /// <summary>
    /// target += addend, in place, returning target: for a sum whose left side is a fresh result
    /// nobody else holds (a residual add into the block's output). Each element is target + addend
    /// rounded once, the bits <see cref="Plus"/> gives; contiguous float32 tensors of one shape are
    /// added in a span loop, a decode step's dozen adds without a libtorch call each.
    /// </summary>
    public static Tensor AddInPlace(this Tensor target, Tensor addend)
    {
        if (target.dtype == ScalarType.Float32 && addend.dtype == ScalarType.Float32 && target.is_contiguous()
            && addend.is_contiguous() && TensorSizes.Same(target, addend))
        {
            var values = TensorMemory.Floats(target);
            TensorPrimitives.Add(values, TensorMemory.Floats(addend), values);
            return target;
        }
        return target.add_(addend, KeptScalars.One);
    }
}
