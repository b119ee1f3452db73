using System.Text.Json.Serialization;

namespace Kimi.Cluster.Router.Api;

/// <summary>One served model as GET /v1/models lists it (max_model_len is vLLM's extension).</summary>
public sealed record ModelCard([property: JsonPropertyOrder(-2)] string Id, long Created, int MaxModelLen)
{
    [JsonPropertyOrder(-1)]
    public string Object => "model";
    public string OwnedBy => "kimi-cluster";
}
