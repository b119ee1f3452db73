namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// A compile-time token count for the multi-token fused matvecs: the JIT specializes a generic
/// kernel per struct argument and drops the branches for absent tokens, so one source serves 2, 3
/// (and for int4, 4) tokens with every accumulator in a register; the panel kernel takes 1 to 6.
/// </summary>
internal interface ITokenCount
{
    static abstract int Count { get; }
}

/// <summary>One token.</summary>
internal readonly struct OneToken : ITokenCount
{
    public static int Count => 1;
}

/// <summary>Two tokens.</summary>
internal readonly struct TwoTokens : ITokenCount
{
    public static int Count => 2;
}

/// <summary>Three tokens.</summary>
internal readonly struct ThreeTokens : ITokenCount
{
    public static int Count => 3;
}

/// <summary>Four tokens.</summary>
internal readonly struct FourTokens : ITokenCount
{
    public static int Count => 4;
}

/// <summary>Five tokens.</summary>
internal readonly struct FiveTokens : ITokenCount
{
    public static int Count => 5;
}

/// <summary>Six tokens.</summary>
internal readonly struct SixTokens : ITokenCount
{
    public static int Count => 6;
}
