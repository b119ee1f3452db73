namespace Kimi.Cluster.Scheduling;

/// <summary>One full block in the prefix cache: its chain hash, its parent's, and its tokens.</summary>
/// <remarks>The tokens are kept so that a 64-bit hash collision is a miss, never wrong KV.</remarks>
internal sealed record CachedBlock(ulong Hash, ulong ParentHash, int[] Tokens, int BlockId);
