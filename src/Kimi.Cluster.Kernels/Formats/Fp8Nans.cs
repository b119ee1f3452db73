namespace Kimi.Cluster.Kernels.Formats;

/// <summary>
/// Whether the FP8 kernels look for NaN bytes (0x7F, 0xFF) as they decode: a type argument, so each
/// kernel is compiled twice and the form without the check has no trace of it. The check is three
/// of a vector decode's operations; checkpoints hold no NaN weights, and a matrix whose bytes all
/// went through a <see cref="WeightBuffer"/> is known to hold none (<see cref="WeightMatrix.MayHoldFp8Nan"/>).
/// </summary>
internal interface IFp8Nans
{
    static abstract bool Possible { get; }
}

/// <summary>NaN bytes may be there: each decoded vector selects NaN for them.</summary>
internal readonly struct Fp8MayHoldNans : IFp8Nans
{
    public static bool Possible => true;
}

/// <summary>Every byte is known not to be a NaN.</summary>
internal readonly struct Fp8HoldsNoNans : IFp8Nans
{
    public static bool Possible => false;
}
