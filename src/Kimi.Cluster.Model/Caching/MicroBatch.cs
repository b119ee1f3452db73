using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Caching;

/// <summary>
/// Some whole sequences of a step's flattened batch, rebased to start at row 0, with their
/// rotary angles and current hidden states. The step is split in two so that one micro-batch's
/// attention runs while the other's experts compute (MegaScale-Infer's ping-pong, SGLang's
/// two-batch overlap); sequences never straddle micro-batches, so results do not change.
/// </summary>
internal sealed class MicroBatch
{
    private MicroBatch(IReadOnlyList<int> tokenIds, IReadOnlyList<AttentionSegment> segments)
    {
        TokenIds = tokenIds;
        Segments = segments;
    }

    public IReadOnlyList<int> TokenIds { get; }
    public IReadOnlyList<AttentionSegment> Segments { get; }
    public Tensor Hidden { get; set; } = null!; // set by the model before the first layer

    public int[] Positions => [.. Segments.SelectMany(s => Enumerable.Range(0, s.TokenCount).Select(i => (int)(s.StartPosition + i)))];

    /// <summary>Rows of each sequence's last token, for models that only need the next-token logits.</summary>
    public long[] LastRows => [.. Segments.Select(s => (long)(s.TokenStart + s.TokenCount - 1))];

    /// <summary>Every row is its sequence's last (a decode step: one token each), so the rows are the hidden states as they are.</summary>
    public bool EveryRowIsLast => Segments.All(s => s.TokenCount == 1);

    /// <summary>Two micro-batches of about equal token counts, or one when there is a single sequence.</summary>
    public static IReadOnlyList<MicroBatch> Split(IReadOnlyList<int> tokenIds, IReadOnlyList<AttentionSegment> segments, bool overlap)
    {
        if (!overlap || segments.Count < 2)
            return [new MicroBatch(tokenIds, segments)];
        int half = (tokenIds.Count + 1) / 2, cut = 1;
        while (cut < segments.Count - 1 && segments[cut].TokenStart + segments[cut].TokenCount <= half)
            cut++;
        return [Take(tokenIds, segments, 0, cut), Take(tokenIds, segments, cut, segments.Count)];
    }

    private static MicroBatch Take(IReadOnlyList<int> tokenIds, IReadOnlyList<AttentionSegment> segments, int from, int to)
    {
        int offset = segments[from].TokenStart, end = segments[to - 1].TokenStart + segments[to - 1].TokenCount;
        var rebased = new List<AttentionSegment>(to - from);
        int expectedStart = offset;
        for (int i = from; i < to; i++)
        {
            if (segments[i].TokenStart != expectedStart)
                throw new ArgumentException("segments must lie end to end in token order", nameof(segments));
            rebased.Add(segments[i] with { TokenStart = segments[i].TokenStart - offset });
            expectedStart += segments[i].TokenCount;
        }
        return new MicroBatch([.. tokenIds.Skip(offset).Take(end - offset)], rebased);
    }
}
