namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>One header entry of a safetensors file; offsets are relative to the data buffer.</summary>
public sealed record SafetensorsEntry(string Name, string Dtype, IReadOnlyList<long> Shape, long Begin, long End);
