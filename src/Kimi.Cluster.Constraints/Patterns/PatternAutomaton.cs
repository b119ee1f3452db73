namespace Kimi.Cluster.Constraints;

/// <summary>
/// A pattern as a deterministic automaton over the UTF-8 bytes of the string it is matched
/// against (state 0 is the start, -1 the dead state): built from the parsed branches through a
/// Thompson NFA and the subset construction, with limits on both so that a pathological pattern
/// is refused rather than compiled for minutes.
/// </summary>
internal sealed class PatternAutomaton
{
    public const int Dead = -1;
    private const int MaxNfaStates = 50_000, MaxStates = 4_000;
    private readonly int[] _next; // [state * 256 + byte]
    private readonly bool[] _accepting;

    private PatternAutomaton(int[] next, bool[] accepting)
    {
        _next = next;
        _accepting = accepting;
    }

    public int StateCount => _accepting.Length;

    public int Next(int state, byte b) => _next[state * 256 + b];

    public bool IsAccepting(int state) => _accepting[state];

    /// <summary>Does the pattern match <paramref name="value"/> (as the grammar reads it: a subset of what the validators accept)?</summary>
    public bool Matches(string value)
    {
        byte[] bytes;
        try
        {
            bytes = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(value);
        }
        catch (System.Text.EncoderFallbackException)
        {
            return false; // a lone surrogate: no UTF-8 spelling
        }
        int state = 0;
        foreach (byte b in bytes)
        {
            state = Next(state, b);
            if (state == Dead)
                return false;
        }
        return IsAccepting(state);
    }

    public static PatternAutomaton Build(IReadOnlyList<PatternBranch> branches)
    {
        var nfa = new ByteNfa(MaxNfaStates);
        int start = nfa.NewState();
        foreach (var branch in branches)
        {
            int from = nfa.NewState();
            nfa.Epsilon(start, from);
            if (!branch.AnchoredAtStart)
                nfa.AddLoop(from, CodePointSet.AnyCharacter);
            int end = nfa.Add(branch.Body, from);
            if (!branch.AnchoredAtEnd)
                nfa.AddLoop(end, CodePointSet.AnyCharacter);
            nfa.Accept(end);
        }
        return Determinize(nfa, start);
    }

    private static PatternAutomaton Determinize(ByteNfa nfa, int start)
    {
        var ids = new Dictionary<string, int>();
        var sets = new List<int[]>();
        var next = new List<int>();
        var accepting = new List<bool>();
        int Intern(int[] set)
        {
            string key = string.Join(',', set);
            if (ids.TryGetValue(key, out int id))
                return id;
            if (sets.Count == MaxStates)
                throw new PatternNotSupportedException($"its automaton would have more than {MaxStates} states");
            id = sets.Count;
            ids[key] = id;
            sets.Add(set);
            accepting.Add(set.Any(nfa.IsAccepting));
            return id;
        }
        Intern(nfa.Closure([start]));
        var targets = new List<int>[256];
        for (int state = 0; state < sets.Count; state++)
        {
            foreach (var list in targets)
                list?.Clear();
            foreach (int s in sets[state])
            {
                foreach (var (first, last, to) in nfa.Edges(s))
                {
                    for (int b = first; b <= last; b++)
                        (targets[b] ??= []).Add(to);
                }
            }
            for (int b = 0; b < 256; b++)
                next.Add(targets[b] is { Count: > 0 } t ? Intern(nfa.Closure(t)) : Dead);
        }
        return new PatternAutomaton([.. next], [.. accepting]);
    }
}
