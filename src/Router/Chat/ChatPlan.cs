using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Text.Parsing;

namespace Kimi.Cluster.Router.Chat;

/// <summary>A checked chat request: the rendered prompt's tokens, what to ask the worker for, and how to read the answer.</summary>
public sealed record ChatPlan : IGenerationPlan
{
    public required IReadOnlyList<int> PromptTokenIds { get; init; }
    public int Choices { get; init; } = 1;
    public uint MaxTokens { get; init; }
    public float Temperature { get; init; }
    public float TopP { get; init; }
    public int TopK { get; init; } = -1;
    public float PresencePenalty { get; init; }
    public float FrequencyPenalty { get; init; }
    public long? Seed { get; init; }
    public IReadOnlyList<string> Stop { get; init; } = [];
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    public bool IgnoreEos { get; init; }

    public int AlternativesPerToken => TopLogprobs ?? 0;

    /// <summary>Null: no logprobs; otherwise how many alternatives per token (0..20).</summary>
    public int? TopLogprobs { get; init; }

    public bool Stream { get; init; }
    public bool IncludeUsage { get; init; }
    public required OutputParserOptions Parsing { get; init; }

    /// <summary>What the output must spell (a forced tool call, JSON content); null when free.</summary>
    public OutputConstraint? Constraint { get; init; }

    public IReadOnlyList<PromptImage> Images { get; init; } = [];
}
