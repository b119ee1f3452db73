using System.Text.RegularExpressions;
using Kimi.Cluster.Model.Configuration;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// Which of a checkpoint's text-model tensors a process reads: the dense part (embeddings,
/// attention, norms, gates, shared and dense MLPs, lm_head), some routed experts, or both. It
/// plans a load's totals before the load reads them; names are as the checkpoint stores them
/// without the K2.5 "language_model." prefix. Vision-tower and multi-token-prediction tensors are
/// not the text model's and are never selected.
/// </summary>
public sealed partial class WeightSelection
{
    private readonly ModelConfig _config;
    private readonly bool _dense;
    private readonly HashSet<int> _experts;

    private WeightSelection(ModelConfig config, bool dense, IEnumerable<int> experts)
    {
        _config = config;
        _dense = dense;
        _experts = [.. experts];
    }

    /// <summary>Everything a single process serving alone reads.</summary>
    public static WeightSelection Whole(ModelConfig config) => new(config, dense: true, Enumerable.Range(0, config.NRoutedExperts));

    /// <summary>An attention worker whose routed experts live on expert workers.</summary>
    public static WeightSelection Dense(ModelConfig config) => new(config, dense: true, []);

    /// <summary>One expert shard: these routed experts in every MoE layer.</summary>
    public static WeightSelection Experts(ModelConfig config, IEnumerable<int> expertIds) => new(config, dense: false, expertIds);

    public bool Includes(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // Read from config.json and the shape the config gives, never from the checkpoint.
        if (name.EndsWith(".weight_shape", StringComparison.Ordinal))
            return false;
        var layer = LayerName().Match(name);
        if (!layer.Success)
            return _dense && (name.StartsWith("model.embed_tokens.", StringComparison.Ordinal)
                || name.StartsWith("model.norm.", StringComparison.Ordinal)
                || name.StartsWith("lm_head.", StringComparison.Ordinal));
        if (!int.TryParse(layer.Groups["layer"].ValueSpan, out int index) || index >= _config.NumHiddenLayers)
            return false;
        if (!layer.Groups["expert"].Success)
            return _dense;
        return _config.IsMoeLayer(index) && int.TryParse(layer.Groups["expert"].ValueSpan, out int expert) && _experts.Contains(expert);
    }

    [GeneratedRegex(@"^model\.layers\.(?<layer>\d+)\.(?:mlp\.experts\.(?<expert>\d+)\.)?")]
    private static partial Regex LayerName();
}
