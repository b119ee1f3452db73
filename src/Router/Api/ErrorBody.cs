namespace Kimi.Cluster.Router.Api;

/// <summary>OpenAI's error envelope: {"error": {...}}.</summary>
public sealed record ErrorBody(ErrorDetail Error);
