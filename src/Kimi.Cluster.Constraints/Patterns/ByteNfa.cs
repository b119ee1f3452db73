namespace Kimi.Cluster.Constraints;

/// <summary>A Thompson NFA over bytes: ε-moves and byte-range edges, grown from pattern syntax.</summary>
internal sealed class ByteNfa(int maxStates)
{
    private readonly List<List<int>> _epsilon = [];
    private readonly List<List<(byte First, byte Last, int To)>> _edges = [];
    private readonly HashSet<int> _accepting = [];

    public int NewState()
    {
        if (_edges.Count == maxStates)
            throw new PatternNotSupportedException($"it would need more than {maxStates} automaton states");
        _epsilon.Add([]);
        _edges.Add([]);
        return _edges.Count - 1;
    }

    public void Epsilon(int from, int to) => _epsilon[from].Add(to);

    public void Accept(int state) => _accepting.Add(state);

    public bool IsAccepting(int state) => _accepting.Contains(state);

    public IReadOnlyList<(byte First, byte Last, int To)> Edges(int state) => _edges[state];

    /// <summary>Builds <paramref name="syntax"/> starting at <paramref name="from"/>; returns the state where its matches end.</summary>
    public int Add(PatternSyntax syntax, int from)
    {
        switch (syntax)
        {
            case PatternSyntax.Characters characters:
            {
                int end = NewState();
                AddCharacters(from, characters.Set, end);
                return end;
            }
            case PatternSyntax.Sequence sequence:
                return sequence.Parts.Aggregate(from, (state, part) => Add(part, state));
            case PatternSyntax.Choice choice:
            {
                int end = NewState();
                foreach (var alternative in choice.Alternatives)
                {
                    int start = NewState();
                    Epsilon(from, start);
                    Epsilon(Add(alternative, start), end);
                }
                return end;
            }
            case PatternSyntax.Repeat repeat:
                return AddRepeat(repeat, from);
            default:
                throw new InvalidOperationException($"unknown pattern syntax {syntax}");
        }
    }

    /// <summary>Any number of characters of <paramref name="set"/> at <paramref name="state"/>.</summary>
    public void AddLoop(int state, CodePointSet set) => AddCharacters(state, set, state);

    private int AddRepeat(PatternSyntax.Repeat repeat, int from)
    {
        int current = from;
        for (int i = 0; i < repeat.Min; i++)
            current = Add(repeat.Body, current);
        if (repeat.Max is not { } max)
        {
            int loop = NewState();
            Epsilon(current, loop);
            Epsilon(Add(repeat.Body, loop), loop);
            return loop;
        }
        int end = NewState();
        Epsilon(current, end);
        for (int i = repeat.Min; i < max; i++)
        {
            current = Add(repeat.Body, current);
            Epsilon(current, end);
        }
        return end;
    }

    private void AddCharacters(int from, CodePointSet set, int to)
    {
        foreach (var sequence in Utf8Sequences.Of(set))
        {
            int state = from;
            for (int i = 0; i < sequence.Length; i++)
            {
                int target = i == sequence.Length - 1 ? to : NewState();
                _edges[state].Add((sequence[i].First, sequence[i].Last, target));
                state = target;
            }
        }
    }

    /// <summary>The states reachable from <paramref name="states"/> by ε-moves, sorted.</summary>
    public int[] Closure(IEnumerable<int> states)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<int>(states);
        while (stack.Count > 0)
        {
            int s = stack.Pop();
            if (!seen.Add(s))
                continue;
            foreach (int t in _epsilon[s])
                stack.Push(t);
        }
        int[] sorted = [.. seen];
        Array.Sort(sorted);
        return sorted;
    }
}
