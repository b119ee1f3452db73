namespace Kimi.Cluster.Constraints;

/// <summary>
/// A string schema's <c>pattern</c> together with its minLength and maxLength, stepped on the
/// string's decoded bytes. Besides the automaton it knows, for each state and each count of
/// characters still owed to minLength, the fewest characters that can finish a match
/// (<see cref="Viable"/>), so the grammar never enters a state where the pattern and the
/// lengths cannot both be met: no dead ends.
/// </summary>
internal sealed class StringPattern
{
    private const int Unreachable = int.MaxValue;
    private const long MaxTableSize = 4_000_000;
    private readonly PatternAutomaton _automaton;
    private readonly int _minLength, _maxLength;
    private readonly int[] _fewest; // [state * (minLength + 1) + owed]: characters to a match, or Unreachable

    private StringPattern(string source, PatternAutomaton automaton, int minLength, int maxLength)
    {
        Source = source;
        _automaton = automaton;
        _minLength = minLength;
        _maxLength = maxLength;
        _fewest = FewestToFinish(automaton, minLength);
    }

    /// <summary>The pattern as the schema gives it.</summary>
    public string Source { get; }

    /// <summary>Compiles <paramref name="pattern"/> for strings of the given lengths (maxLength -1: unbounded).</summary>
    public static StringPattern Compile(string pattern, int minLength, int maxLength)
    {
        var automaton = PatternAutomaton.Build(PatternParser.Parse(pattern));
        if ((long)automaton.StateCount * (minLength + 1) > MaxTableSize)
            throw new PatternNotSupportedException($"its automaton with a minLength of {minLength} is too large to analyse");
        return new StringPattern(pattern, automaton, minLength, maxLength);
    }

    /// <summary>The state after decoded byte <paramref name="b"/>, or <see cref="PatternAutomaton.Dead"/>.</summary>
    public int Next(int state, byte b) => _automaton.Next(state, b);

    /// <summary>May the string end here (the pattern matched and minLength is met)?</summary>
    public bool CanClose(int state, int towardMinimum) => _automaton.IsAccepting(state) && towardMinimum >= _minLength;

    /// <summary>
    /// Can a string in <paramref name="state"/>, having <paramref name="characters"/> characters
    /// counted toward maxLength and <paramref name="towardMinimum"/> toward minLength, still end
    /// matched and within both lengths?
    /// </summary>
    public bool Viable(int state, int characters, int towardMinimum)
    {
        if (state == PatternAutomaton.Dead)
            return false;
        int fewest = _fewest[state * (_minLength + 1) + (_minLength - Math.Min(towardMinimum, _minLength))];
        return fewest != Unreachable && (_maxLength < 0 || fewest <= _maxLength - characters);
    }

    /// <summary>Does the pattern match a known value (its lengths are checked beside it, by <see cref="StringLength.Fits"/>)?</summary>
    public bool Matches(string value) => _automaton.Matches(value);

    /// <summary>
    /// Shortest completions over the product of automaton states and characters owed to minLength,
    /// by a 0-1 breadth-first search backwards from the accepting states with nothing owed. Only
    /// bytes the grammar can write move: a character needing a \u escape never appears in a
    /// patterned string. A lead or ASCII byte costs one character and pays one owed character when
    /// it is one that minLength surely counts; continuation bytes cost nothing.
    /// </summary>
    private static int[] FewestToFinish(PatternAutomaton automaton, int minLength)
    {
        int width = minLength + 1, states = automaton.StateCount;
        var fewest = new int[states * width];
        Array.Fill(fewest, Unreachable);
        var predecessors = Predecessors(automaton);
        var queue = new LinkedList<int>();
        for (int s = 0; s < states; s++)
        {
            if (automaton.IsAccepting(s))
            {
                fewest[s * width] = 0;
                queue.AddLast(s * width);
            }
        }
        while (queue.First is { } first)
        {
            queue.RemoveFirst();
            int node = first.Value, state = node / width, owed = node % width, distance = fewest[node];
            foreach (var (from, kind) in predecessors[state])
            {
                if (kind == ByteKind.Continuation)
                    Relax(from * width + owed, distance, front: true);
                else if (kind == ByteKind.CountedCharacter)
                {
                    if (owed + 1 < width)
                        Relax(from * width + owed + 1, distance + 1, front: false);
                    if (owed == 0)
                        Relax(from * width, distance + 1, front: false); // nothing owed stays nothing owed
                }
                else
                    Relax(from * width + owed, distance + 1, front: false);
            }
        }
        return fewest;

        void Relax(int node, int distance, bool front)
        {
            if (distance >= fewest[node])
                return;
            fewest[node] = distance;
            if (front)
                queue.AddFirst(node);
            else
                queue.AddLast(node);
        }
    }

    private enum ByteKind : byte { Continuation, CountedCharacter, UncountedCharacter }

    private static List<(int From, ByteKind Kind)>[] Predecessors(PatternAutomaton automaton)
    {
        var predecessors = new HashSet<(int, ByteKind)>[automaton.StateCount];
        for (int s = 0; s < automaton.StateCount; s++)
            predecessors[s] = [];
        for (int s = 0; s < automaton.StateCount; s++)
        {
            for (int b = 0; b < 256; b++)
            {
                int next = automaton.Next(s, (byte)b);
                if (next != PatternAutomaton.Dead && KindOf((byte)b) is { } kind)
                    predecessors[next].Add((s, kind));
            }
        }
        return [.. predecessors.Select(set => set.ToList())];
    }

    /// <summary>What decoded byte <paramref name="b"/> is in a patterned string, or null if the grammar never writes it.</summary>
    private static ByteKind? KindOf(byte b) => b switch
    {
        >= 0x80 and <= 0xBF => ByteKind.Continuation,
        >= 0x80 => ByteKind.UncountedCharacter,
        >= 0x20 and < 0x7F or (byte)'\b' or (byte)'\t' or (byte)'\n' or (byte)'\f' => ByteKind.CountedCharacter,
        (byte)'\r' or 0x7F => ByteKind.UncountedCharacter,
        _ => null, // other control characters need \u, which patterned strings do not use
    };
}
