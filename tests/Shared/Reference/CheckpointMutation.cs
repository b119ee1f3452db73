namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// One deliberate defect for negative tests. The damaged file stays valid safetensors
/// (the header always matches the data), so a loader must catch the defect against the
/// config, not by tripping over a malformed file.
/// </summary>
/// <param name="TensorName">Unprefixed text name (e.g. "model.layers.0.self_attn.o_proj.weight") or an exact stored name.</param>
public sealed record CheckpointMutation(string TensorName)
{
    /// <summary>Leave the tensor out of the files and the index.</summary>
    public bool Drop { get; init; }

    /// <summary>Store the tensor with this shape instead (fresh values of the new size).</summary>
    public IReadOnlyList<int>? Shape { get; init; }

    /// <summary>Store the tensor with this element type instead.</summary>
    public StoredDtype? Dtype { get; init; }

    public static CheckpointMutation Dropped(string name) => new(name) { Drop = true };

    public static CheckpointMutation Reshaped(string name, params int[] shape) => new(name) { Shape = shape };

    public static CheckpointMutation StoredAs(string name, StoredDtype dtype) => new(name) { Dtype = dtype };

    public bool Matches(TinyTensorSpec tensor, TinyModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return TensorName == tensor.Name || TensorName == tensor.StoredName(spec);
    }
}
