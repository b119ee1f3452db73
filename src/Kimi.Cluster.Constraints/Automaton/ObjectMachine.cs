namespace Kimi.Cluster.Constraints;

/// <summary>
/// The syntax of an open object: keys (declared ones through their trie, in declared order; free
/// ones as strings), colons, commas, white space and the closing brace once required properties
/// are written.
/// </summary>
internal static class ObjectMachine
{
    public static void Step(in Config config, byte b, ConfigBuffer sink)
    {
        if (config.Mode == JsonMode.DeclaredKey)
        {
            DeclaredKey(config, b, sink);
            return;
        }
        if (JsonMachine.IsWhitespace(b))
        {
            JsonMachine.Whitespace(config, sink);
            return;
        }
        var frame = config.Top;
        switch (config.Mode, b)
        {
            case (JsonMode.ObjectOpen or JsonMode.ObjectNext, (byte)'"'):
                BeginKey(config, frame, sink);
                break;
            case (JsonMode.ObjectOpen or JsonMode.ObjectAfterValue, (byte)'}') when CanClose(frame):
                StepMachine.Reach(JsonMachine.Finish(config with { Stack = frame.Parent }), -1, sink);
                break;
            case (JsonMode.ObjectAfterValue, (byte)',') when HasMore(frame):
                sink.Add(new Config(config.Step, frame, Mode: JsonMode.ObjectNext));
                break;
            case (JsonMode.Colon, (byte)':'):
                JsonMachine.Enter(new Config(config.Step, frame), config.Node!, -1, sink); // a colon knows its value's node
                break;
        }
    }

    private static void BeginKey(in Config config, Frame frame, ConfigBuffer sink)
    {
        var node = frame.Container;
        if (node.FreeKeys)
        {
            if (node.Additional is not null)
                sink.Add(new Config(config.Step, frame, Mode: JsonMode.Key));
        }
        else if (node.Keys!.Leads(0, frame.Index)) // declared objects always have their keys
        {
            sink.Add(new Config(config.Step, frame, Mode: JsonMode.DeclaredKey));
        }
    }

    private static void DeclaredKey(in Config config, byte b, ConfigBuffer sink)
    {
        var frame = config.Top;
        var keys = frame.Container.Keys!; // declared objects always have their keys
        int child = keys.Trie.Child(config.A, b);
        if (child < 0 || !keys.Leads(child, frame.Index))
            return;
        int property = keys.Trie.ValueAt(child);
        if (property < 0)
            sink.Add(config with { A = child });
        else
            sink.Add(new Config(config.Step, frame.WithIndex(property), frame.Container.Properties[property].Schema, JsonMode.Colon));
    }

    // Objects without free keys always have their key trie (built by the analysis).
    private static bool CanClose(Frame frame) => frame.Container.FreeKeys || frame.Container.Keys!.CanClose(frame.Index);

    private static bool HasMore(Frame frame) =>
        frame.Container.FreeKeys ? frame.Container.Additional is not null : frame.Container.Keys!.HasMore(frame.Index);
}
