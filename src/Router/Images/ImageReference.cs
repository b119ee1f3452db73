namespace Kimi.Cluster.Router.Images;

/// <summary>
/// An image a request refers to, and where (At names it in errors, e.g. "messages[0].content[1]"):
/// by a URL to fetch, or by its encoded bytes.
/// </summary>
public sealed record ImageReference(string At, string? Url, byte[]? Data = null);
