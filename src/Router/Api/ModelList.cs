using System.Text.Json.Serialization;

namespace Kimi.Cluster.Router.Api;

/// <summary>The body of GET /v1/models.</summary>
public sealed record ModelList(IReadOnlyList<ModelCard> Data)
{
    [JsonPropertyOrder(-1)]
    public string Object => "list";
}
