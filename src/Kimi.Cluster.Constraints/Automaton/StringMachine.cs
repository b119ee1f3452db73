namespace Kimi.Cluster.Constraints;

/// <summary>
/// The inside of a JSON string, byte by byte: no raw control characters, valid escapes, \u
/// escapes in proper surrogate pairs, and UTF-8 validated as it arrives (a token may end inside a
/// character). The content itself is not kept, only the counters that minLength and maxLength ask
/// for (see <see cref="StringLength"/>), so a long string does not multiply states.
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
        && (config.Mode == JsonMode.Key || (config.Mode == JsonMode.String && config.Node is { MaxLength: < 0, MinLength: 0 }));

    private static void PlainByte(in Config config, byte b, ConfigBuffer sink)
    {
        switch (b)
        {
            case (byte)'"':
                Close(config, sink);
                break;
            case (byte)'\\':
                if (Fits(config, config.A + 1, config.B + 1))
                    sink.Add(config with { Sub = Escape });
                break;
            case < 0x20:
                break;
            case < 0x80:
                Count(config, StringLength.CountsTowardMinimum(b), Plain, sink);
                break;
            default:
                if (LeadState(b) is var next and not Plain)
                    Count(config, towardMinimum: false, next, sink);
                break;
        }
    }

    private static void EscapeLetter(in Config config, byte b, ConfigBuffer sink)
    {
        if (b == (byte)'u')
            Count(config, towardMinimum: false, Hex1, sink);
        else if (b is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
            Count(config, StringLength.EscapeCountsTowardMinimum(b), Plain, sink);
    }

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
        sink.Add(config with { Sub = next });
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
        else if (config.B >= config.Node!.MinLength) // string values always have their node
            StepMachine.Reach(JsonMachine.Finish(config), -1, sink);
    }

    /// <summary>Counts one more character (toward maxLength, and toward minLength if it counts there) and moves to <paramref name="next"/>.</summary>
    private static void Count(in Config config, bool towardMinimum, byte next, ConfigBuffer sink)
    {
        var node = config.Node;
        if (config.Mode == JsonMode.Key || node is null || (node.MaxLength < 0 && node.MinLength == 0))
        {
            sink.Add(config with { Sub = next });
            return;
        }
        int a = node.MaxLength >= 0 ? config.A + 1 : 0;
        int counted = towardMinimum ? Math.Min(config.B + 1, node.MinLength) : config.B;
        if (Fits(config, a, counted))
            sink.Add(config with { Sub = next, A = a, B = counted });
    }

    /// <summary>Can a string with these counts still reach minLength without passing maxLength?</summary>
    private static bool Fits(in Config config, int a, int b) =>
        config.Node is not { MaxLength: >= 0 } node || config.Mode == JsonMode.Key
        || (a <= node.MaxLength && node.MinLength - Math.Min(b, node.MinLength) <= node.MaxLength - a);
}
