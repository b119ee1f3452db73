namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>The safetensors dtype names the generator writes, and their element sizes.</summary>
public static class SafetensorsDType
{
    public const string BF16 = "BF16";
    public const string F32 = "F32";
    public const string I32 = "I32";
    public const string F8E4M3 = "F8_E4M3";

    public static int ElementBytes(string dtype) => dtype switch
    {
        BF16 => 2,
        F32 or I32 => 4,
        F8E4M3 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a dtype the generator writes"),
    };
}
