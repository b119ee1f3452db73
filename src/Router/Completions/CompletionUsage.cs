namespace Kimi.Cluster.Router.Completions;

/// <summary>Token counts: the prompt once, and the tokens generated over all choices.</summary>
public sealed record CompletionUsage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}
