namespace Kimi.Cluster.Constraints;

/// <summary>
/// The syntax of an open array: items by position (prefixItems, then items), commas, white space
/// and the closing bracket, within minItems and maxItems.
/// </summary>
internal static class ArrayMachine
{
    public static void Step(in Config config, byte b, ConfigBuffer sink)
    {
        if (JsonMachine.IsWhitespace(b))
        {
            JsonMachine.Whitespace(config, sink);
            return;
        }
        var frame = config.Top;
        var node = frame.Container;
        switch (config.Mode, b)
        {
            case (JsonMode.ArrayOpen, (byte)']') when node.MinItems == 0:
            case (JsonMode.ArrayAfterValue, (byte)']') when frame.Index >= node.MinItems:
                StepMachine.Reach(JsonMachine.Finish(config with { Stack = frame.Parent }), -1, sink);
                break;
            case (JsonMode.ArrayOpen, _) when node.EffectiveMaxItems > 0:
                StartItem(config, frame, b, sink);
                break;
            case (JsonMode.ArrayAfterValue, (byte)',') when frame.Index < node.EffectiveMaxItems:
                StartItem(config with { Ws = 0 }, frame, -1, sink);
                break;
        }
    }

    /// <summary>Enters item number frame.Index (then consumes <paramref name="b"/> if ≥ 0).</summary>
    private static void StartItem(in Config config, Frame frame, int b, ConfigBuffer sink)
    {
        var node = frame.Container;
        var counted = frame.WithIndex(Math.Min(frame.Index + 1, node.ItemCountCap));
        JsonMachine.Enter(new Config(config.Step, counted, Ws: config.Ws), node.ItemAt(frame.Index)!, b, sink); // indices below the effective maximum have an item schema
    }
}
