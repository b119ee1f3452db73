using System.Runtime.InteropServices;
using Kimi.Cluster.Constraints;
using Kimi.Cluster.Scheduling;
using TorchSharp;
using Tensor = TorchSharp.torch.Tensor;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// A request as the engine runs it: the scheduler's part (prompt, budget, the tokens that end it)
/// and what its sampling needs next (its seeded generator, its tokens, how often each token was
/// generated, for the penalties). Whether it is finished is the scheduler's decision, handed in
/// when it completes. Only the engine's loop writes to it.
/// </summary>
public class GenerationSequence : SequenceRequest
{
    private readonly List<GeneratedToken> _tokens = [];
    private readonly Dictionary<int, int> _counts = [];

    /// <param name="eosTokenIds">The model's end-of-sequence tokens: they end the sequence unless it ignores them.</param>
    public GenerationSequence(long id, GenerationRequest request, IEnumerable<int> eosTokenIds)
        : base(id, request.PromptTokenIds, request.Sampling.MaxTokens)
    {
        Request = request;
        var stops = new HashSet<int>(request.Sampling.StopTokenIds);
        if (!request.Sampling.IgnoreEos)
            stops.UnionWith(eosTokenIds);
        StopTokenIds = stops;
        Random = new(request.Sampling.Seed ?? (ulong)System.Random.Shared.NextInt64(), request.PromptTokenIds.Count);
        // A resumed generation's earlier tokens are the prompt's last ones: the penalties count them.
        var prompt = request.PromptTokenIds;
        for (int i = prompt.Count - request.ResumedTokens; i < prompt.Count; i++)
            CollectionsMarshal.GetValueRefOrAddDefault(_counts, prompt[i], out _)++;
        Constraint = request.Constraint is { } constraint ? StartConstraint(constraint, prompt, request.ResumedTokens, stops) : null;
        PromptCacheKeys = ImageCacheKeys.For(prompt, request.Images);
    }

    public GenerationRequest Request { get; }

    // Draws are numbered by token position, starting after the prompt (see SeededRandom).
    public SeededRandom Random { get; }

    /// <summary>How many times each token id occurs among the generated tokens (the resumed ones included, never the prompt).</summary>
    public IReadOnlyDictionary<int, int> TokenCounts => _counts;

    /// <summary>Where the sequence stands in its request's constraint; null when unconstrained.</summary>
    public ConstraintCursor? Constraint { get; }

    /// <summary>
    /// The encoder's rows for the prompt's images ([Σ image tokens, hidden], images in order) while
    /// the prefill still needs them; the engine computes them when a step first reaches an image
    /// and frees them once the prefill is past the last one.
    /// </summary>
    internal Tensor? ImageEmbeddings { get; set; }

    /// <summary>The tokens the next sample may choose from: null when any.</summary>
    public AllowedTokens? AllowedNext => Constraint?.Allowed();

    /// <summary>Takes the token the engine sampled for this sequence.</summary>
    public virtual void Accept(GeneratedToken token)
    {
        _tokens.Add(token);
        CollectionsMarshal.GetValueRefOrAddDefault(_counts, token.TokenId, out _)++;
        Constraint?.Accept(token.TokenId);
    }

    /// <summary>A cursor at the start of <paramref name="constraint"/>, moved past a resumed generation's earlier tokens.</summary>
    public static ConstraintCursor StartConstraint(CompiledConstraint constraint, IReadOnlyList<int> prompt, int resumedTokens,
        IReadOnlyCollection<int> endTokenIds)
    {
        var cursor = ConstraintCursor.Start(constraint, endTokenIds);
        for (int i = prompt.Count - resumedTokens; i < prompt.Count; i++)
            cursor.Accept(prompt[i]);
        return cursor;
    }

    /// <summary>The tokens generated so far, finished for <paramref name="reason"/>.</summary>
    public GenerationResult ToResult(FinishReason reason) => new(_tokens.ToArray(), reason, Request.PromptTokenIds.Count);
}
