namespace Kimi.Cluster.Router.Completions;

/// <summary>OpenAI's stream_options: include_usage adds a last chunk carrying the usage.</summary>
public sealed record StreamOptions(bool? IncludeUsage);
