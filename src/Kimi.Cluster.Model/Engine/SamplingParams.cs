namespace Kimi.Cluster.Model.Engine;

/// <summary>How one sequence is decoded: sampling knobs and stopping rules.</summary>
public sealed record SamplingParams
{
    /// <summary>The most top alternatives a request may ask for per token (OpenAI's limit).</summary>
    public const int MaxLogprobs = 20;

    /// <summary>0 means greedy (argmax).</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Nucleus filtering; 1 keeps everything.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens; 0 or -1 keeps everything.</summary>
    public int TopK { get; init; }

    /// <summary>Same seed, same prompt, same options: same tokens. Null draws a fresh seed.</summary>
    public ulong? Seed { get; init; }

    public int MaxTokens { get; init; } = 16;

    /// <summary>Token ids that end the sequence (the sampled stop token is kept in the output).</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>How many top alternatives to report per generated token, 0..20.</summary>
    public int Logprobs { get; init; }

    /// <summary>Keep generating past the model's end-of-sequence tokens.</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>
    /// OpenAI's presence penalty, -2..2: subtracted once from the logit of every token the
    /// sequence has generated so far (the prompt does not count). Positive values favour new tokens.
    /// </summary>
    public float PresencePenalty { get; init; }

    /// <summary>
    /// OpenAI's frequency penalty, -2..2: subtracted from a token's logit once per time the
    /// sequence has generated it so far (the prompt does not count). Positive values curb repetition.
    /// </summary>
    public float FrequencyPenalty { get; init; }

    public bool IsGreedy => Temperature <= 0f;

    /// <summary>Whether the penalties change anything; when not, sampling skips them entirely.</summary>
    public bool HasPenalties => PresencePenalty != 0f || FrequencyPenalty != 0f;

    /// <summary>Throws with the offending field's API name (e.g. "top_p") when a value is out of range.</summary>
    public void Validate()
    {
        if (float.IsNaN(Temperature) || Temperature < 0f)
            throw new ArgumentOutOfRangeException("temperature", Temperature, "temperature must be >= 0");
        if (float.IsNaN(TopP) || TopP <= 0f || TopP > 1f)
            throw new ArgumentOutOfRangeException("top_p", TopP, "top_p must be in (0, 1]");
        if (TopK < -1)
            throw new ArgumentOutOfRangeException("top_k", TopK, "top_k must be -1, 0 or positive");
        if (MaxTokens < 1)
            throw new ArgumentOutOfRangeException("max_tokens", MaxTokens, "max_tokens must be >= 1");
        if (Logprobs is < 0 or > MaxLogprobs)
            throw new ArgumentOutOfRangeException("logprobs", Logprobs, $"logprobs must be in 0..{MaxLogprobs}");
        if (float.IsNaN(PresencePenalty) || PresencePenalty is < -2f or > 2f)
            throw new ArgumentOutOfRangeException("presence_penalty", PresencePenalty, "presence_penalty must be in [-2, 2]");
        if (float.IsNaN(FrequencyPenalty) || FrequencyPenalty is < -2f or > 2f)
            throw new ArgumentOutOfRangeException("frequency_penalty", FrequencyPenalty, "frequency_penalty must be in [-2, 2]");
    }
}
