using System.Runtime.InteropServices;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// What one request has generated and what its sampling needs next: its seeded generator, its
/// tokens, and how often each token was generated (for the penalties). Whether it is finished is
/// the scheduler's decision, handed in when it completes.
/// </summary>
internal sealed class SequenceOutput
{
    private readonly List<GeneratedToken> _tokens = [];
    private readonly Dictionary<int, int> _counts = [];

    public SequenceOutput(GenerationRequest request)
    {
        Request = request;
        Random = new(request.Sampling.Seed ?? (ulong)System.Random.Shared.NextInt64(), request.PromptTokenIds.Count);
        // A resumed generation's earlier tokens are the prompt's last ones: the penalties count them.
        var prompt = request.PromptTokenIds;
        for (int i = prompt.Count - request.ResumedTokens; i < prompt.Count; i++)
            CollectionsMarshal.GetValueRefOrAddDefault(_counts, prompt[i], out _)++;
    }

    public GenerationRequest Request { get; }

    // Draws are numbered by token position, starting after the prompt (see SeededRandom).
    public SeededRandom Random { get; }

    /// <summary>How many times each token id occurs among the generated tokens (the resumed ones included, never the prompt).</summary>
    public IReadOnlyDictionary<int, int> TokenCounts => _counts;

    public void Accept(GeneratedToken token)
    {
        _tokens.Add(token);
        CollectionsMarshal.GetValueRefOrAddDefault(_counts, token.TokenId, out _)++;
    }

    public GenerationResult ToResult(FinishReason reason) => new(_tokens.ToArray(), reason, Request.PromptTokenIds.Count);
}
