namespace Kimi.Cluster.Model.Configuration;

/// <summary>config.json is missing a field, has a wrong type, or holds values that do not fit together.</summary>
public sealed class ModelConfigException(string field, string message)
    : Exception($"config.json: {field}: {message}")
{
    /// <summary>The offending field, as config.json names it (e.g. "text_config.n_group").</summary>
    public string Field { get; } = field;
}
