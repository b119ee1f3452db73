using System.Text.Json.Serialization;

namespace Kimi.Cluster.Router.Completions;

/// <summary>
/// OpenAI's text_completion object: the whole answer, or one streamed chunk of it (then
/// choices carry only the new text and usage appears only in the last chunk, if asked for).
/// </summary>
public sealed record CompletionResponse(
    [property: JsonPropertyOrder(-2)] string Id,
    long Created,
    string Model,
    IReadOnlyList<CompletionChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CompletionUsage? Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "text_completion";
}
