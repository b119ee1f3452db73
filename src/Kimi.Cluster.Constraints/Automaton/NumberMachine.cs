namespace Kimi.Cluster.Constraints;

/// <summary>
/// JSON numbers: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, integers without fraction or
/// exponent, bounded numbers without exponent and checked digit by digit against their bounds
/// (<see cref="NumberRange"/>). A number's end is only known at the next byte, so a complete
/// number both continues and ends.
/// </summary>
internal static class NumberMachine
{
    private const byte Minus = 1, Zero = 2, Whole = 3, Dot = 4, Fraction = 5, Exponent = 6, ExponentSign = 7, ExponentDigits = 8;

    public static void Start(in Config config, byte b, ConfigBuffer sink)
    {
        var node = config.Node!; // a value start always has its node
        byte phase = b switch { (byte)'-' => Minus, (byte)'0' => Zero, _ => Whole };
        string? text = node.Range is null ? null : ((char)b).ToString();
        if (text is null || node.Range!.CanComplete(text, !node.AllowsFractions)) // a text is kept only for ranges
            sink.Add(new Config(config.Step, config.Stack, node, JsonMode.Number, Sub: phase, Extra: text));
    }

    public static void Step(in Config config, byte b, ConfigBuffer sink)
    {
        var node = config.Node!; // numbers always have their node
        byte next = Next(config.Sub, b, node.AllowsFractions, exponent: node.Range is null);
        if (next != 0)
            Continue(config, node, next, b, sink);
        if (IsComplete(config))
            StepMachine.Reach(JsonMachine.Finish(config), b, sink);
    }

    /// <summary>Could the number end here?</summary>
    public static bool IsComplete(in Config config) =>
        config.Sub is Zero or Whole or Fraction or ExponentDigits
        && (config.Extra is null || config.Node!.Range!.Contains(Parse(config.Extra))); // a text is kept only for ranges

    private static void Continue(in Config config, SchemaNode node, byte next, byte b, ConfigBuffer sink)
    {
        if (node.Range is null)
        {
            sink.Add(config with { Sub = next });
            return;
        }
        string text = config.Extra + (char)b;
        if (text.Length <= NumberRange.MaxLength && node.Range.CanComplete(text, !node.AllowsFractions))
            sink.Add(config with { Sub = next, Extra = text });
    }

    private static byte Next(byte phase, byte b, bool fractions, bool exponent)
    {
        bool digit = b is >= (byte)'0' and <= (byte)'9';
        bool e = fractions && exponent && b is (byte)'e' or (byte)'E';
        bool dot = fractions && b == (byte)'.';
        return phase switch
        {
            Minus => b == (byte)'0' ? Zero : digit ? Whole : (byte)0,
            Zero => dot ? Dot : e ? Exponent : (byte)0,
            Whole => digit ? Whole : dot ? Dot : e ? Exponent : (byte)0,
            Dot => digit ? Fraction : (byte)0,
            Fraction => digit ? Fraction : e ? Exponent : (byte)0,
            Exponent => digit ? ExponentDigits : b is (byte)'+' or (byte)'-' ? ExponentSign : (byte)0,
            ExponentSign or ExponentDigits => digit ? ExponentDigits : (byte)0,
            _ => 0,
        };
    }

    private static DecimalValue Parse(string text) =>
        DecimalValue.TryParse(text, out var value) ? value : throw new InvalidOperationException($"'{text}' is not a number");
}
