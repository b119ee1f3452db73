namespace Kimi.Cluster.Router.Generation;

/// <summary>One choice's token counts, whether it is finished whole or was streamed.</summary>
public interface IChoiceTokenCounts
{
    /// <summary>The prompt's tokens (every choice of an answer shares the prompt).</summary>
    int PromptTokens { get; }

    /// <summary>The tokens this choice generated.</summary>
    int CompletionTokens { get; }
}
