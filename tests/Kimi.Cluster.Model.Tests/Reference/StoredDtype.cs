namespace Kimi.Cluster.Model.Tests.Reference;

/// <summary>Element types the tiny checkpoints can store (safetensors dtype names via <see cref="DtypeCodec"/>).</summary>
public enum StoredDtype
{
    BF16,
    F16,
    F32,
    /// <summary>"F8_E4M3" (the FN variant: no infinities, max 448). Only for negative tests.</summary>
    F8E4M3,
}
