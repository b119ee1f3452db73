namespace Kimi.Cluster.Constraints;

/// <summary>
/// The inside of a JSON string, byte by byte: no raw control characters, valid escapes, \u
/// escapes in proper surrogate pairs, and UTF-8 validated as it arrives (a token may end inside a
/// character). The content itself is not kept, only the counters that minLength and maxLength ask
/// for (see <see cref="StringLength"/>), so a long string does not multiply states. A string with
/// a pattern also steps the pattern's automaton on each decoded byte and writes no \u escapes (every
/// other character can be written raw or with a short escape), and takes no byte after which the
/// pattern and the lengths could no longer both be met.
/// </summary>
internal static class StringMachine
{
    // Sub-states: Plain; after a backslash; the hex digits of \uXXXX (N: an ordinary code unit,
    // D: the first digit was D, High: a high surrogate, which must be followed by "\u" and a low
    // surrogate, Low); UTF-8 continuation bytes (the After states restrict the first one).
    private const byte Plain = 0, Escape = 1, Hex1 = 2, HexD = 3, N2 = 4, N3 = 5, N4 = 6;
    private const byte High3 = 7, High4 = 8, LowSlash = 9, LowU = 10, LowD = 11, LowC = 12, Low3 = 13, Low4 = 14;
    private const byte Cont1 = 15, Cont2 = 16, Cont3 = 17, AfterE0 = 18, AfterED = 19, AfterF0 = 20, AfterF4 = 21;

    public static void Step(in Config config, byte b, ConfigBuffer sink)
    {
        switch (config.Sub)
        {
            case Plain: PlainByte(config, b, sink); break;
            case Escape: EscapeLetter(config, b, sink); break;
            case >= Cont1: Continuation(config, b, sink); break;
            default: HexDigit(config, b, sink); break;
        }
    }

    /// <summary>Does <paramref name="b"/> leave this configuration as it is (printable ASCII inside a string without counters)?</summary>
    public static bool KeepsState(in Config config, byte b) =>
        b is >= 0x20 and < 0x80 and not (byte)'"' and not (byte)'\\' && config.Sub == Plain
        && (config.Mode == JsonMode.Key || (config.Mode == JsonMode.String && config.Node is { MaxLength: < 0, MinLength: 0, Pattern: null }));

    private static void PlainByte(in Config config, byte b, ConfigBuffer sink)
    {
        switch (b)
        {
            case (byte)'"':
                Close(config, sink);
                break;
            case (byte)'\\':
                if (EscapeCanFollow(config))
                    sink.Add(config with { Sub = Escape });
                break;
            case < 0x20:
                break;
            case < 0x80:
                Count(config, StringLength.CountsTowardMinimum(b), Plain, b, sink);
                break;
            default:
                if (LeadState(b) is var next and not Plain)
                    Count(config, towardMinimum: false, next, b, sink);
                break;
        }
    }

    private static void EscapeLetter(in Config config, byte b, ConfigBuffer sink)
    {
        if (b == (byte)'u')
        {
            if (PatternOf(config) is null)
                Count(config, towardMinimum: false, Hex1, 0, sink);
        }
        else if (Decoded(b) is { } decoded)
            Count(config, StringLength.EscapeCountsTowardMinimum(b), Plain, decoded, sink);
    }

    /// <summary>The character a short escape's letter stands for, or null if it is none.</summary>
    private static byte? Decoded(byte letter) => letter switch
    {
        (byte)'"' or (byte)'\\' or (byte)'/' => letter,
        (byte)'b' => (byte)'\b',
        (byte)'f' => (byte)'\f',
        (byte)'n' => (byte)'\n',
        (byte)'r' => (byte)'\r',
        (byte)'t' => (byte)'\t',
        _ => null,
    };

    private static readonly byte[] ShortEscapeLetters = "\"\\/bfnrt"u8.ToArray();

    /// <summary>May a backslash come here: is there room for one more character, and (with a pattern) some short escape the pattern can take?</summary>
    private static bool EscapeCanFollow(in Config config)
    {
        if (PatternOf(config) is not { } pattern)
            return Fits(config, config.A + 1, config.B + 1);
        var node = config.Node!;
        foreach (byte letter in ShortEscapeLetters)
        {
            int a = node.MaxLength >= 0 ? config.A + 1 : 0;
            int counted = StringLength.EscapeCountsTowardMinimum(letter) ? Math.Min(config.B + 1, node.MinLength) : config.B;
            if (pattern.Viable(pattern.Next(config.PatternState, Decoded(letter)!.Value), a, counted))
                return true;
        }
        return false;
    }

    private static StringPattern? PatternOf(in Config config) => config.Mode == JsonMode.String ? config.Node?.Pattern : null;

    private static void HexDigit(in Config config, byte b, ConfigBuffer sink)
    {
        int next = NextHex(config.Sub, b);
        if (next >= 0)
            sink.Add(config with { Sub = (byte)next });
    }

    /// <summary>The sub-state after byte <paramref name="b"/> of a \u escape, or -1.</summary>
    private static int NextHex(byte sub, byte b) => sub switch
    {
        LowSlash => b == (byte)'\\' ? LowU : -1,
        LowU => b == (byte)'u' ? LowD : -1,
        LowD => b is (byte)'d' or (byte)'D' ? LowC : -1,
        LowC => b is (>= (byte)'c' and <= (byte)'f') or (>= (byte)'C' and <= (byte)'F') ? Low3 : -1,
        _ when !IsHex(b) => -1,
        Hex1 => b is (byte)'d' or (byte)'D' ? HexD : N2,
        HexD => b switch
        {
            <= (byte)'7' => N3,
            (byte)'8' or (byte)'9' or (byte)'a' or (byte)'b' or (byte)'A' or (byte)'B' => High3,
            _ => -1, // DC-DF alone would be a lone low surrogate
        },
        N2 => N3,
        N3 => N4,
        High3 => High4,
        High4 => LowSlash,
        Low3 => Low4,
        N4 or Low4 => Plain,
        _ => -1,
    };

    private static void Continuation(in Config config, byte b, ConfigBuffer sink)
    {
        var (low, high) = config.Sub switch
        {
            AfterE0 => (0xA0, 0xBF),
            AfterED => (0x80, 0x9F),
            AfterF0 => (0x90, 0xBF),
            AfterF4 => (0x80, 0x8F),
            _ => (0x80, 0xBF),
        };
        if (b < low || b > high)
            return;
        byte next = config.Sub switch
        {
            Cont1 => Plain,
            Cont3 or AfterF0 or AfterF4 => Cont2,
            _ => Cont1,
        };
        if (PatternOf(config) is not { } pattern)
        {
            sink.Add(config with { Sub = next });
            return;
        }
        int state = pattern.Next(config.PatternState, b);
        if (pattern.Viable(state, config.A, config.B))
            sink.Add(config with { Sub = next, PatternState = state });
    }

    private static byte LeadState(byte b) => b switch
    {
        >= 0xC2 and <= 0xDF => Cont1,
        0xE0 => AfterE0,
        0xED => AfterED,
        >= 0xE1 and <= 0xEF => Cont2,
        0xF0 => AfterF0,
        >= 0xF1 and <= 0xF3 => Cont3,
        0xF4 => AfterF4,
        _ => Plain, // not a lead byte
    };

    private static bool IsHex(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F');

    private static void Close(in Config config, ConfigBuffer sink)
    {
        if (config.Mode == JsonMode.Key)
            sink.Add(new Config(config.Step, config.Stack, config.Top.Container.Additional, JsonMode.Colon));
        else if (config.B >= config.Node!.MinLength // string values always have their node
                 && (config.Node.Pattern is null || config.Node.Pattern.CanClose(config.PatternState, config.B)))
            StepMachine.Reach(JsonMachine.Finish(config), -1, sink);
    }

    /// <summary>
    /// Counts one more character (toward maxLength, and toward minLength if it counts there) and
    /// moves to <paramref name="next"/>; a pattern steps on <paramref name="decoded"/>, the
    /// character's (first) byte as the string's value holds it.
    /// </summary>
    private static void Count(in Config config, bool towardMinimum, byte next, byte decoded, ConfigBuffer sink)
    {
        var node = config.Node;
        var pattern = PatternOf(config);
        if (config.Mode == JsonMode.Key || node is null || (pattern is null && node.MaxLength < 0 && node.MinLength == 0))
        {
            sink.Add(config with { Sub = next });
            return;
        }
        int a = node.MaxLength >= 0 ? config.A + 1 : 0;
        int counted = towardMinimum ? Math.Min(config.B + 1, node.MinLength) : config.B;
        if (pattern is null)
        {
            if (Fits(config, a, counted))
                sink.Add(config with { Sub = next, A = a, B = counted });
            return;
        }
        int state = pattern.Next(config.PatternState, decoded);
        if (pattern.Viable(state, a, counted))
            sink.Add(config with { Sub = next, A = a, B = counted, PatternState = state });
    }

    /// <summary>Can a string with these counts still reach minLength without passing maxLength?</summary>
    private static bool Fits(in Config config, int a, int b) =>
        config.Node is not { MaxLength: >= 0 } node || config.Mode == JsonMode.Key
        || (a <= node.MaxLength && node.MinLength - Math.Min(b, node.MinLength) <= node.MaxLength - a);
}
