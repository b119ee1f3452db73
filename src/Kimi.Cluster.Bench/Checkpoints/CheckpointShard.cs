namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>One safetensors file of the checkpoint and the tensors it holds, in order.</summary>
public sealed record CheckpointShard(string FileName, IReadOnlyList<PlannedTensor> Tensors)
{
    public long DataBytes => Tensors.Sum(t => t.ByteLength);

    /// <summary>
    /// Fills files in order up to <paramref name="shardBytes"/> each (a larger tensor gets one to
    /// itself), named as Hugging Face names them: model.safetensors alone, else model-00001-of-0000N.
    /// </summary>
    public static IReadOnlyList<CheckpointShard> Split(IReadOnlyList<PlannedTensor> tensors, long shardBytes)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardBytes);
        var groups = new List<List<PlannedTensor>>();
        long filled = 0;
        foreach (var tensor in tensors)
        {
            if (groups.Count == 0 || (filled > 0 && filled + tensor.ByteLength > shardBytes))
            {
                groups.Add([]);
                filled = 0;
            }
            groups[^1].Add(tensor);
            filled += tensor.ByteLength;
        }
        return groups.Select((group, i) => new CheckpointShard(
            groups.Count == 1 ? "model.safetensors" : $"model-{i + 1:D5}-of-{groups.Count:D5}.safetensors", group)).ToArray();
    }
}
