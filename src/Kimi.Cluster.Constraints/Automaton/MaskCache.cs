using System.Collections.Concurrent;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// The states of one compiled constraint for one set of end tokens, interned, each with its mask:
/// shared by every cursor that uses them, from any thread.
/// </summary>
internal sealed class MaskCache
{
    private readonly ConcurrentDictionary<ConstraintState, ConstraintState> _states = new();
    private readonly MaskBuilder _builder;
    private readonly int _maxTokenLength;

    public MaskCache(TokenVocabulary vocabulary, IReadOnlyCollection<int> endTokenIds)
    {
        _maxTokenLength = vocabulary.Trie.MaxDepth;
        IsEnd = new bool[vocabulary.Count];
        foreach (int id in endTokenIds)
            IsEnd[id] = true;
        _builder = new MaskBuilder(vocabulary, IsEnd, IsEnd.Count(end => end));
        Ended = new ConstraintState([], ended: true);
        EndedMask = new AllowedTokens(AllowedTokens.NewBits(vocabulary.Count), vocabulary.Count, allowsAll: false, allowsEnd: false);
    }

    public bool[] IsEnd { get; }

    /// <summary>After an end token: nothing more may come.</summary>
    public ConstraintState Ended { get; }

    private AllowedTokens EndedMask { get; }

    /// <summary>How many distinct states have been seen (for tests of state growth).</summary>
    public int StateCount => _states.Count;

    /// <summary>
    /// The state of <paramref name="configs"/>: the interned one, or, where string counters are far
    /// from their limits, a private state that reads the interned mask of its representative (so
    /// a long string under maxLength adds no cache entries).
    /// </summary>
    public ConstraintState Intern(Config[] configs)
    {
        var representative = MaskEquivalence.Representative(configs, _maxTokenLength);
        var candidate = new ConstraintState(representative);
        var source = _states.GetOrAdd(candidate, candidate);
        return ReferenceEquals(representative, configs) ? source : new ConstraintState(configs) { MaskSource = source };
    }

    public AllowedTokens MaskOf(ConstraintState state) => state.IsEnded ? EndedMask : MaskSourceOf(state).Mask(_builder);

    /// <summary>The interned state that computes and holds <paramref name="state"/>'s mask (often itself).</summary>
    public static ConstraintState MaskSourceOf(ConstraintState state) => state.MaskSource ?? state;
}
