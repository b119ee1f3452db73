namespace Kimi.Cluster.Kernels.Isa;

/// <summary>
/// How many bf16 scales one vector chunk of int4 columns spans (chunk / group, or 1 for groups of
/// whole chunks), as a type argument: it is fixed per matrix, and a kernel specialized on it loads
/// a row's chunk of scales with one instruction where a switch on the count (a compare-and-branch
/// chain per row and chunk) ran beside every nibble decode.
/// </summary>
internal interface IChunkScales
{
    static abstract int PerChunk { get; }
}

/// <summary>Sixteen scales a chunk.</summary>
internal readonly struct SixteenScales : IChunkScales
{
    public static int PerChunk => 16;
}

/// <summary>Eight scales a chunk.</summary>
internal readonly struct EightScales : IChunkScales
{
    public static int PerChunk => 8;
}

/// <summary>Four scales a chunk.</summary>
internal readonly struct FourScales : IChunkScales
{
    public static int PerChunk => 4;
}

/// <summary>Two scales a chunk.</summary>
internal readonly struct TwoScales : IChunkScales
{
    public static int PerChunk => 2;
}

/// <summary>One scale a chunk (a group of the chunk or of whole chunks).</summary>
internal readonly struct OneScale : IChunkScales
{
    public static int PerChunk => 1;
}
