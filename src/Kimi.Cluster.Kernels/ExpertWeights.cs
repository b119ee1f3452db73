namespace Kimi.Cluster.Kernels;

/// <summary>
/// One routed expert's SwiGLU weights: gate and up [intermediate, hidden], down [hidden, intermediate].
/// Owns the shape checks that let the grouped call treat every expert alike; gate and up share a
/// format because they read the same gathered inputs.
/// </summary>
public sealed record ExpertWeights
{
    /// <summary>Checks that the three matrices fit together.</summary>
    public ExpertWeights(WeightMatrix gate, WeightMatrix up, WeightMatrix down)
    {
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(up);
        ArgumentNullException.ThrowIfNull(down);
        if (up.Rows != gate.Rows || up.Columns != gate.Columns || up.Format != gate.Format)
        {
            throw new ArgumentException($"Expert up {up.Shape} must match gate {gate.Shape} in shape and format.", nameof(up));
        }
        if (down.Rows != gate.Columns || down.Columns != gate.Rows)
        {
            throw new ArgumentException(
                $"Expert down {down.Shape} must be [{gate.Columns}, {gate.Rows}] for gate {gate.Shape}.", nameof(down));
        }
        Gate = gate;
        Up = up;
        Down = down;
    }

    /// <summary>Gate projection [intermediate, hidden].</summary>
    public WeightMatrix Gate { get; }

    /// <summary>Up projection [intermediate, hidden].</summary>
    public WeightMatrix Up { get; }

    /// <summary>Down projection [hidden, intermediate].</summary>
    public WeightMatrix Down { get; }

    /// <summary>Model width.</summary>
    public int Hidden => Gate.Columns;

    /// <summary>Expert intermediate width.</summary>
    public int Intermediate => Gate.Rows;

    /// <summary>Stored bytes of all three matrices.</summary>
    public long StoredBytes => Gate.StoredBytes + Up.StoredBytes + Down.StoredBytes;
}
