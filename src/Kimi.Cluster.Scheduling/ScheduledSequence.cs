namespace Kimi.Cluster.Scheduling;

/// <summary>
/// One sequence's share of a step: compute tokens [<paramref name="Start"/>,
/// <paramref name="Start"/> + <paramref name="Count"/>) of <paramref name="Request"/>'s sequence
/// (<paramref name="Tokens"/> are their ids), reading and writing KV through <paramref name="BlockTable"/>.
/// </summary>
/// <param name="CachedTokens">Leading tokens found in the prefix cache when the sequence was admitted: never computed.</param>
/// <param name="SamplesToken">Whether this step reaches the end of the sequence, so a token must be sampled.</param>
public sealed record ScheduledSequence<TRequest>(
    TRequest Request,
    int Start,
    int Count,
    IReadOnlyList<int> Tokens,
    IReadOnlyList<int> BlockTable,
    int CachedTokens,
    bool SamplesToken) where TRequest : SequenceRequest
{
    public long Id => Request.Id;

    /// <summary>One past the last token computed this step: the sequence's KV length afterwards.</summary>
    public int End => Start + Count;
}
