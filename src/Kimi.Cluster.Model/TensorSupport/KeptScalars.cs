using TorchSharp;

namespace Kimi.Cluster.Model.TensorSupport;

/// <summary>
/// Scalars that live as long as the process. TorchSharp frees a Scalar in its finalizer, so one
/// made on the fly (x + 1e-6, masked_fill(mask, -inf), and the alpha = 1 that add(tensor) makes
/// inside) can be freed by a collection while libtorch still reads it. Constants come from here,
/// a module's own values from fields disposed with it, per-call values from a using.
/// </summary>
internal static class KeptScalars
{
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar NegativeInfinity = float.NegativeInfinity.ToScalar();
}
