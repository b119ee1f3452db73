using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// The current 16-float slice of each of <typeparamref name="T"/>'s input rows for the multi-token
/// matvecs. A struct used only through inlined calls, so its vectors live in registers.
/// </summary>
internal unsafe struct Inputs<T>
    where T : struct, ITokenCount
{
    private readonly float* _x0;
    private readonly float* _x1;
    private readonly float* _x2;
    private readonly float* _x3;

    public Vector512<float> X0;
    public Vector512<float> X1;
    public Vector512<float> X2;
    public Vector512<float> X3;

    /// <summary>Input rows x, x + stride, … (as many as the token count).</summary>
    public Inputs(float* x, int stride)
    {
        _x0 = x;
        _x1 = x + stride;
        _x2 = x + 2L * stride;
        _x3 = x + 3L * stride;
    }

    /// <summary>Loads columns k..k+15 of every token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Load(int k)
    {
        X0 = Vector512.Load(_x0 + k);
        X1 = Vector512.Load(_x1 + k);
        if (T.Count > 2)
        {
            X2 = Vector512.Load(_x2 + k);
        }
        if (T.Count > 3)
        {
            X3 = Vector512.Load(_x3 + k);
        }
    }
}
