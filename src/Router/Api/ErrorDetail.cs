namespace Kimi.Cluster.Router.Api;

/// <summary>OpenAI's error object: what went wrong, its kind, and the offending parameter.</summary>
public sealed record ErrorDetail(string Message, string Type, string? Param, string? Code);
