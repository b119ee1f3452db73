namespace Kimi.Cluster.Constraints;

/// <summary>
/// The constraint automaton's transitions at the level of steps: closing a configuration over
/// the moves that consume nothing (entering a OneOf's alternatives, leaving a finished literal,
/// entering a JSON step's root value), consuming one byte, and consuming one special token.
/// </summary>
internal static class StepMachine
{
    /// <summary>
    /// Adds to <paramref name="sink"/> what <paramref name="raw"/> reaches: with <paramref name="b"/>
    /// &lt; 0 the closed configurations themselves, else the configurations after consuming byte b from them.
    /// </summary>
    public static void Reach(in Config raw, int b, ConfigBuffer sink)
    {
        var step = raw.Step;
        switch (step?.Kind)
        {
            case StepKind.Fork:
                foreach (var alternative in step.Alternatives)
                    Reach(Config.At(alternative), b, sink);
                return;
            case StepKind.Literal when raw.A >= step.Text.Length:
                Reach(Config.At(step.Next), b, sink);
                return;
            case StepKind.Json when raw.Mode == JsonMode.Start:
                JsonMachine.Enter(raw with { Mode = JsonMode.ValueStart }, step.Json.Root, b, sink);
                return;
            default:
                if (b < 0)
                    sink.Add(raw);
                else
                    Step(raw, (byte)b, sink);
                return;
        }
    }

    /// <summary>Consumes one byte from a closed configuration.</summary>
    public static void Step(in Config config, byte b, ConfigBuffer sink)
    {
        var step = config.Step;
        switch (step?.Kind)
        {
            case StepKind.FreeText:
                sink.Add(config);
                return;
            case StepKind.Literal when step.Text[config.A] == b:
                Reach(config with { A = config.A + 1 }, -1, sink);
                return;
            case StepKind.Json:
                JsonMachine.Step(config, b, sink);
                return;
        }
    }

    /// <summary>Consumes a special token (not an end token) from a closed configuration.</summary>
    public static void Special(in Config config, int tokenId, ConfigBuffer sink)
    {
        var step = config.Step;
        switch (step?.Kind)
        {
            case StepKind.FreeText or StepKind.Special when step.TokenId == tokenId:
                Reach(Config.At(step.Next), -1, sink);
                return;
            case StepKind.Json when JsonMachine.TryFinish(config, out var finished):
                foreach (var next in Closed(finished))
                    Special(next, tokenId, sink);
                return;
        }
    }

    /// <summary>May the output end here (all steps done, perhaps by ending a number or literal now)?</summary>
    public static bool CanEnd(in Config config) =>
        config.IsDone || (JsonMachine.TryFinish(config, out var finished) && Closed(finished).Any(next => CanEnd(next)));

    /// <summary>The closed configurations of <paramref name="raw"/>, for the rare paths that need them as a list.</summary>
    public static Config[] Closed(in Config raw)
    {
        var buffer = new ConfigBuffer();
        Reach(raw, -1, buffer);
        return buffer.ToArray();
    }
}
