using System.Text;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// Where one generating sequence stands in a <see cref="CompiledConstraint"/>: which tokens may
/// come next and what taking one does. One per sequence (each choice of n &gt; 1 its own, or a
/// <see cref="Fork"/>); not thread-safe itself, while the states and masks it reads are shared.
/// </summary>
public sealed class ConstraintCursor
{
    private readonly MaskCache _cache;
    private readonly TokenVocabulary _vocabulary;
    private readonly ConfigBuffer _current = new();
    private readonly ConfigBuffer _next = new();
    private ConstraintState _state;

    private ConstraintCursor(MaskCache cache, TokenVocabulary vocabulary, ConstraintState state)
    {
        _cache = cache;
        _vocabulary = vocabulary;
        _state = state;
    }

    /// <summary>A cursor at the start of <paramref name="constraint"/>; <paramref name="endTokenIds"/> may come only once every step is done.</summary>
    public static ConstraintCursor Start(CompiledConstraint constraint, IReadOnlyCollection<int> endTokenIds)
    {
        ArgumentNullException.ThrowIfNull(constraint);
        var cache = constraint.CacheFor(endTokenIds);
        return new ConstraintCursor(cache, constraint.Vocabulary, cache.Intern(StepMachine.Closed(Config.At(constraint.First))));
    }

    /// <summary>Every step is done: only end tokens may come (or one already came).</summary>
    public bool IsComplete => _state.IsComplete;

    /// <summary>End tokens are allowed now (all steps done, or a final number or value could end here).</summary>
    public bool CanEnd => _state.CanEnd;

    /// <summary>An end token was accepted; nothing more may come.</summary>
    public bool IsEnded => _state.IsEnded;

    /// <summary>The tokens allowed next: computed once per state and cached, so the same state gives the same instance.</summary>
    public AllowedTokens Allowed() => _cache.MaskOf(_state);

    /// <summary>Takes <paramref name="tokenId"/>; throws InvalidOperationException naming it if it is not allowed here.</summary>
    public void Accept(int tokenId)
    {
        if (!TryAccept(tokenId))
            throw new InvalidOperationException($"token {Describe(tokenId)} is not allowed here");
    }

    /// <summary>Takes <paramref name="tokenId"/> if it is allowed here; false (and no change) if not.</summary>
    public bool TryAccept(int tokenId)
    {
        switch (Reach(tokenId))
        {
            case Outcome.Refused:
                return false;
            case Outcome.Ended:
                _state = _cache.Ended;
                return true;
            default:
                _state = _cache.Intern(_current.ToArray());
                return true;
        }
    }

    /// <summary>Would <paramref name="tokenId"/> be taken? Decided by feeding its bytes, not by the mask (tests compare the two).</summary>
    internal bool Accepts(int tokenId) => Reach(tokenId) != Outcome.Refused;

    /// <summary>The interned state whose mask this cursor reads (tests compare it to see whether a token changed the mask).</summary>
    internal ConstraintState MaskState => MaskCache.MaskSourceOf(_state);

    /// <summary>An independent cursor at the same place (for n &gt; 1 choices that share a prefix).</summary>
    public ConstraintCursor Fork() => new(_cache, _vocabulary, _state);

    private enum Outcome
    {
        Refused,
        Ended,
        Moved,
    }

    /// <summary>Steps the state by the token into the current buffer (or says it ends the output).</summary>
    private Outcome Reach(int tokenId)
    {
        if ((uint)tokenId >= (uint)_vocabulary.Count || _state.IsEnded)
            return Outcome.Refused;
        if (_cache.IsEnd[tokenId])
            return _state.CanEnd ? Outcome.Ended : Outcome.Refused;
        var bytes = _vocabulary.TokenBytes(tokenId);
        bool moved = bytes is null ? StepSpecial(tokenId) : StepBytes(bytes);
        return moved ? Outcome.Moved : Outcome.Refused;
    }

    private bool StepSpecial(int tokenId)
    {
        _current.Clear();
        foreach (var config in _state.Configs)
            StepMachine.Special(config, tokenId, _current);
        return _current.Count > 0;
    }

    private bool StepBytes(byte[] bytes)
    {
        _current.Clear();
        if (bytes.Length == 0 && !_state.HasFreeText)
            return false; // an empty token would not move; only free text takes it
        foreach (var config in _state.Configs)
            _current.Add(config);
        foreach (byte b in bytes)
        {
            _next.Clear();
            for (int k = 0; k < _current.Count; k++)
                StepMachine.Step(_current[k], b, _next);
            if (_next.Count == 0)
                return false;
            _current.Swap(_next);
        }
        return true;
    }

    private string Describe(int tokenId)
    {
        if ((uint)tokenId >= (uint)_vocabulary.Count)
            return $"{tokenId} (outside the {_vocabulary.Count}-id vocabulary)";
        var bytes = _vocabulary.TokenBytes(tokenId);
        return bytes is null ? $"{tokenId} (special)" : $"{tokenId} ({System.Text.Json.JsonSerializer.Serialize(Encoding.UTF8.GetString(bytes))})";
    }
}
