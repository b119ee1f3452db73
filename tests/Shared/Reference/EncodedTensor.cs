namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>A tensor ready to write: stored name, type, shape and its little-endian bytes.</summary>
public sealed record EncodedTensor(string Name, StoredDtype Dtype, IReadOnlyList<int> Shape, byte[] Data);
