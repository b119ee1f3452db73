using System.Collections.Concurrent;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// An <see cref="OutputConstraint"/> compiled against a <see cref="TokenVocabulary"/>: owns the
/// automaton and, per set of end tokens, the cache of its states and their masks. Thread-safe;
/// compile once per constraint and vocabulary and share it among all sequences that use them.
/// </summary>
public sealed class CompiledConstraint
{
    private readonly ConcurrentDictionary<string, MaskCache> _caches = new();

    private CompiledConstraint(OutputConstraint constraint, TokenVocabulary vocabulary) => (Constraint, Vocabulary) = (constraint, vocabulary);

    public OutputConstraint Constraint { get; }
    public TokenVocabulary Vocabulary { get; }

    /// <summary>The first step (null: no steps, only the end tokens may come).</summary>
    internal StepNode? First { get; private init; }

    /// <summary>The special token ids the steps name (they may not also be end tokens).</summary>
    private HashSet<int> StepTokenIds { get; init; } = [];

    /// <summary>Throws ArgumentException for a step naming an id that is not a special token of the vocabulary.</summary>
    public static CompiledConstraint Compile(OutputConstraint constraint, TokenVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(constraint);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var compiler = new StepCompiler(vocabulary);
        var first = compiler.Link(constraint.Steps, null);
        return new CompiledConstraint(constraint, vocabulary) { First = first, StepTokenIds = compiler.TokenIds };
    }

    /// <summary>How many distinct states the cache for these end tokens holds (diagnostics).</summary>
    public int CachedStates(IReadOnlyCollection<int> endTokenIds) => CacheFor(endTokenIds).StateCount;

    internal MaskCache CacheFor(IReadOnlyCollection<int> endTokenIds)
    {
        ArgumentNullException.ThrowIfNull(endTokenIds);
        int[] ends = [.. endTokenIds.Distinct().Order()];
        foreach (int id in ends)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(id, nameof(endTokenIds));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, Vocabulary.Count, nameof(endTokenIds));
            if (StepTokenIds.Contains(id))
                throw new ArgumentException($"token {id} is both an end token and a step's token", nameof(endTokenIds));
        }
        return _caches.GetOrAdd(string.Join(",", ends), _ => new MaskCache(Vocabulary, ends));
    }
}
