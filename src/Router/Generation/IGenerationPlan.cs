using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.Router.Generation;

/// <summary>What every planned answer (completion, chat) asks the worker for, per choice, and how it is answered.</summary>
public interface IGenerationPlan
{
    /// <summary>How many choices (n): one worker call each.</summary>
    int Choices { get; }

    IReadOnlyList<int> PromptTokenIds { get; }
    uint MaxTokens { get; }
    float Temperature { get; }
    float TopP { get; }
    int TopK { get; }
    float PresencePenalty { get; }
    float FrequencyPenalty { get; }
    long? Seed { get; }
    IReadOnlyList<int> StopTokenIds { get; }
    bool IgnoreEos { get; }

    /// <summary>How many alternatives per token the worker returns (0 when none are asked for).</summary>
    int AlternativesPerToken { get; }

    /// <summary>Stop strings, matched on the decoded text by the router.</summary>
    IReadOnlyList<string> Stop { get; }

    /// <summary>Whether the answer streams as server-sent events.</summary>
    bool Stream { get; }

    /// <summary>Whether a stream ends with a usage chunk (stream_options.include_usage).</summary>
    bool IncludeUsage { get; }

    /// <summary>What the output must spell, enforced by the worker's sampler; null when free.</summary>
    OutputConstraint? Constraint => null;

    /// <summary>The prompt's images, placed on their placeholder runs; the same for every choice.</summary>
    IReadOnlyList<PromptImage> Images => [];
}
