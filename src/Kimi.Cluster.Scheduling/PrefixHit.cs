namespace Kimi.Cluster.Scheduling;

/// <summary>
/// The cached leading blocks of a prompt that <see cref="PrefixCache.AcquireLongestPrefix"/>
/// found and took a reference on, with their chain hashes (the caller extends the chain).
/// </summary>
public sealed record PrefixHit(IReadOnlyList<int> Blocks, IReadOnlyList<ulong> Hashes)
{
    /// <summary>No cached prefix.</summary>
    public static PrefixHit None { get; } = new([], []);
}
