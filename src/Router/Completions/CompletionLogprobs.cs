namespace Kimi.Cluster.Router.Completions;

/// <summary>OpenAI's legacy completion logprobs: parallel lists, one entry per generated token.</summary>
public sealed record CompletionLogprobs(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<float> TokenLogprobs,
    IReadOnlyList<IReadOnlyDictionary<string, float>> TopLogprobs,
    IReadOnlyList<int> TextOffset);
