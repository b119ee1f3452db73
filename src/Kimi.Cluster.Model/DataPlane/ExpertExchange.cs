namespace Kimi.Cluster.Model.DataPlane;

/// <summary>
/// One MoE layer's routed-expert work for a batch, as plain bytes and ints: token t's hidden
/// state is row t of <see cref="Hidden"/> (float32 LE, [Tokens, HiddenSize]) and its experts
/// are ExpertIds[t·TopK .. t·TopK + TopK) with the matching Weights.
/// </summary>
public sealed record ExpertExchange(int Layer, int Tokens, int HiddenSize, int TopK, byte[] Hidden, int[] ExpertIds, float[] Weights);
