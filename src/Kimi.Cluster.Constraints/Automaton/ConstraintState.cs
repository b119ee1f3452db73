namespace Kimi.Cluster.Constraints;

/// <summary>
/// A state of the constraint automaton: the set of live configurations (several while OneOf
/// alternatives or a number's end are undecided). Interned per mask cache, so equal states are
/// one object and carry one mask, computed on first use.
/// </summary>
internal sealed class ConstraintState : IEquatable<ConstraintState>
{
    private readonly int _hash;
    private AllowedTokens? _mask;

    public ConstraintState(Config[] configs, bool ended = false)
    {
        Configs = configs;
        IsEnded = ended;
        _hash = configs.Aggregate(ended ? 1 : 0, (hash, config) => hash + config.GetHashCode()); // order-independent
        IsComplete = ended || (configs.Length > 0 && configs.All(c => c.IsDone));
        CanEnd = !ended && configs.Any(c => StepMachine.CanEnd(c));
        HasFreeText = configs.Any(c => c.Step?.Kind == StepKind.FreeText);
    }

    public Config[] Configs { get; }
    public bool IsEnded { get; }
    public bool IsComplete { get; }
    public bool CanEnd { get; }

    /// <summary>
    /// The interned state whose mask this one shares (see <see cref="MaskEquivalence"/>); null for
    /// an interned state, which holds its own.
    /// </summary>
    public ConstraintState? MaskSource { get; init; }

    /// <summary>A FreeTextUntil step is live: every byte string may come (and its own special token).</summary>
    public bool HasFreeText { get; }

    /// <summary>The state's mask, computed once (under the state's lock) by <paramref name="builder"/>.</summary>
    public AllowedTokens Mask(MaskBuilder builder)
    {
        var mask = Volatile.Read(ref _mask);
        if (mask is not null)
            return mask;
        lock (Configs)
        {
            _mask ??= builder.Build(this);
            return _mask;
        }
    }

    public bool Equals(ConstraintState? other) =>
        ReferenceEquals(this, other)
        || (other is not null && other._hash == _hash && other.IsEnded == IsEnded && other.Configs.Length == Configs.Length
            && Configs.All(c => Array.IndexOf(other.Configs, c) >= 0));

    public override bool Equals(object? obj) => Equals(obj as ConstraintState);

    public override int GetHashCode() => _hash;
}
