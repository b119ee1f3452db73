using System.Text.Json;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Completions;

namespace Kimi.Cluster.Router.Generation;

/// <summary>
/// The fields /v1/completions and /v1/chat/completions share (OpenAI's sampling and streaming
/// fields plus vLLM's top_k, stop_token_ids and ignore_eos), and the checks that only the HTTP
/// layer can make of them.
/// </summary>
public abstract record SamplingRequest
{
    /// <summary>The most choices one request may ask for; each is a sequence in the worker's batch.</summary>
    public const int MaxChoices = 16;

    public string? Model { get; init; }
    public int? MaxTokens { get; init; }
    public float? Temperature { get; init; }
    public float? TopP { get; init; }
    public int? TopK { get; init; }
    public float? PresencePenalty { get; init; }
    public float? FrequencyPenalty { get; init; }
    public long? Seed { get; init; }

    /// <summary>A string or an array of up to four strings.</summary>
    public JsonElement? Stop { get; init; }

    public IReadOnlyList<int>? StopTokenIds { get; init; }
    public bool? IgnoreEos { get; init; }
    public int? N { get; init; }
    public bool? Stream { get; init; }
    public StreamOptions? StreamOptions { get; init; }

    /// <summary>max_tokens, n, stream_options and OpenAI's sampling ranges, refused with a 400 naming the field.</summary>
    public void CheckSharedFields()
    {
        if (Temperature is < 0 or > 2)
            throw ApiException.InvalidRequest($"temperature must be in 0..2 (got {Temperature})", "temperature");
        if (TopP is <= 0 or > 1)
            throw ApiException.InvalidRequest($"top_p must be in (0, 1] (got {TopP})", "top_p");
        if (PresencePenalty is < -2 or > 2)
            throw ApiException.InvalidRequest($"presence_penalty must be in -2..2 (got {PresencePenalty})", "presence_penalty");
        if (FrequencyPenalty is < -2 or > 2)
            throw ApiException.InvalidRequest($"frequency_penalty must be in -2..2 (got {FrequencyPenalty})", "frequency_penalty");
        if (MaxTokens is < 1)
            throw ApiException.InvalidRequest($"max_tokens must be at least 1 (got {MaxTokens})", "max_tokens");
        if (N is < 1 or > MaxChoices)
            throw ApiException.InvalidRequest($"n must be in 1..{MaxChoices} (got {N})", "n");
        if (StreamOptions is not null && Stream != true)
            throw ApiException.InvalidRequest("stream_options is only allowed with stream: true", "stream_options");
    }
}
