namespace Kimi.Cluster.Model.Engine;

/// <summary>A token id with its log-probability under the model's raw logits.</summary>
public readonly record struct TokenLogprob(int TokenId, float Logprob);

/// <summary>One sampled token, its log-probability and the top alternatives that were asked for.</summary>
public sealed record GeneratedToken(int TokenId, float Logprob, IReadOnlyList<TokenLogprob> TopLogprobs);
