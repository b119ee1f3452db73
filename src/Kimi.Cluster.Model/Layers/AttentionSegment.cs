using Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// One sequence's slice of a flattened batch: rows [TokenStart, TokenStart + TokenCount) of the
/// step's tokens belong to it, at positions Cache.Length onwards (read before the step appends).
/// </summary>
public sealed record AttentionSegment(int TokenStart, int TokenCount, SequenceKvCache Cache, long StartPosition);
