using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Caching;

/// <summary>
/// Input embeddings for rows [Offset, Offset + Rows.shape[0]) of a segment, replacing the token
/// table's (an image's projected patches on its placeholder tokens). Rows: [count, hidden] float32,
/// owned by the caller.
/// </summary>
public sealed record EmbeddedRows(int Offset, Tensor Rows);
