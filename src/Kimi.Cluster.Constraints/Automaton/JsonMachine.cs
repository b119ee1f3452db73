namespace Kimi.Cluster.Constraints;

/// <summary>
/// The JSON part of the automaton: entering a value of a schema node, the first byte of a value,
/// known values (enum, true/false/null), finishing a value into its container, and dispatch to
/// the string, number, object and array machines.
/// </summary>
internal static class JsonMachine
{
    private static readonly ByteTrie KeywordLiterals = BuildKeywords();

    /// <summary>Enters a value of <paramref name="node"/> (each alternative of a union), then as <see cref="StepMachine.Reach"/>.</summary>
    public static void Enter(in Config at, SchemaNode node, int b, ConfigBuffer sink)
    {
        if (node.Kind == SchemaKind.Union)
        {
            foreach (var alternative in node.Alternatives)
                Enter(at, alternative, b, sink);
            return;
        }
        var start = new Config(at.Step, at.Stack, node, JsonMode.ValueStart, Ws: at.Ws);
        if (b < 0)
            sink.Add(start);
        else
            ValueStart(start, (byte)b, sink);
    }

    public static void Step(in Config config, byte b, ConfigBuffer sink)
    {
        switch (config.Mode)
        {
            case JsonMode.ValueStart: ValueStart(config, b, sink); break;
            case JsonMode.String or JsonMode.Key: StringMachine.Step(config, b, sink); break;
            case JsonMode.Number: NumberMachine.Step(config, b, sink); break;
            case JsonMode.Literal: Literal(config, b, sink); break;
            case JsonMode.ArrayOpen or JsonMode.ArrayAfterValue: ArrayMachine.Step(config, b, sink); break;
            default: ObjectMachine.Step(config, b, sink); break;
        }
    }

    /// <summary>A number or known value that could end here, ended: the configuration after it.</summary>
    public static bool TryFinish(in Config config, out Config finished)
    {
        bool canFinish = config.Mode switch
        {
            JsonMode.Number => NumberMachine.IsComplete(config),
            JsonMode.Literal => LiteralTrie(config.Node).ValueAt(config.A) >= 0,
            _ => false,
        };
        finished = canFinish ? Finish(config) : default;
        return canFinish;
    }

    /// <summary>The raw configuration after the value of <paramref name="config"/> ends: its container's, or the next step.</summary>
    public static Config Finish(in Config config) =>
        config.Stack is not { } top ? Config.At(config.Step!.Next) // JSON configurations always have a step
        : new Config(config.Step, top, Mode: top.IsArray ? JsonMode.ArrayAfterValue : JsonMode.ObjectAfterValue);

    public static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\t';

    /// <summary>One more white space byte in the current gap, if the cap allows.</summary>
    public static void Whitespace(in Config config, ConfigBuffer sink)
    {
        if (config.Ws < config.Step!.Json.Options.MaxWhitespace) // JSON configurations always have a step
            sink.Add(config with { Ws = (byte)(config.Ws + 1) });
    }

    private static void ValueStart(in Config config, byte b, ConfigBuffer sink)
    {
        var node = config.Node!; // a value start always has its node
        if (IsWhitespace(b))
        {
            if (config.Stack is not null)
                Whitespace(config, sink);
            return;
        }
        if (node.Kind == SchemaKind.Enum)
        {
            StartLiteral(config, node.EnumTrie!, b, sink); // analysed enum nodes have their trie
            return;
        }
        TypedValueStart(config, node, b, sink);
    }

    /// <summary>The first byte of a value chosen by type.</summary>
    private static void TypedValueStart(in Config config, SchemaNode node, byte b, ConfigBuffer sink)
    {
        switch (b)
        {
            case (byte)'"' when node.Allows(JsonTypes.String):
                sink.Add(new Config(config.Step, config.Stack, node, JsonMode.String));
                break;
            case (byte)'-' or (>= (byte)'0' and <= (byte)'9') when node.Allows(JsonTypes.Number | JsonTypes.Integer):
                NumberMachine.Start(config, b, sink);
                break;
            case (byte)'t' or (byte)'f' when node.Allows(JsonTypes.Boolean):
            case (byte)'n' when node.Allows(JsonTypes.Null):
                StartLiteral(config, KeywordLiterals, b, sink);
                break;
            case (byte)'{' or (byte)'[':
                OpenContainer(config, node, b == (byte)'[', sink);
                break;
        }
    }

    private static void OpenContainer(in Config config, SchemaNode node, bool isArray, ConfigBuffer sink)
    {
        if (!node.Allows(isArray ? JsonTypes.Array : JsonTypes.Object))
            return;
        int depth = (config.Stack?.Depth ?? 0) + 1;
        bool hasScalar = (node.SatisfiableTypes & JsonTypes.Scalars) != 0;
        if (hasScalar && depth > config.Step!.Json.Options.MaxFreeDepth) // JSON configurations always have a step
            return; // deep enough: a scalar can still end the value
        var frame = new Frame(config.Stack, node, isArray, isArray ? 0 : -1);
        sink.Add(new Config(config.Step, frame, Mode: isArray ? JsonMode.ArrayOpen : JsonMode.ObjectOpen));
    }

    private static void StartLiteral(in Config config, ByteTrie trie, byte b, ConfigBuffer sink) =>
        LiteralAt(new Config(config.Step, config.Stack, config.Node, JsonMode.Literal), trie, trie.Child(0, b), sink);

    private static void Literal(in Config config, byte b, ConfigBuffer sink)
    {
        var trie = LiteralTrie(config.Node);
        LiteralAt(config, trie, trie.Child(config.A, b), sink);
        if (trie.ValueAt(config.A) >= 0)
            StepMachine.Reach(Finish(config), b, sink); // a value that could also have gone on ("1" of 1 and 12) ends here
    }

    /// <summary>Moves to trie node <paramref name="node"/>; a value nothing can extend ends at once.</summary>
    private static void LiteralAt(in Config config, ByteTrie trie, int node, ConfigBuffer sink)
    {
        if (node < 0)
            return;
        if (trie.ValueAt(node) >= 0 && trie.IsLeaf(node))
            StepMachine.Reach(Finish(config), -1, sink);
        else
            sink.Add(config with { A = node });
    }

    private static ByteTrie LiteralTrie(SchemaNode? node) => node is { Kind: SchemaKind.Enum, EnumTrie: { } trie } ? trie : KeywordLiterals;

    private static ByteTrie BuildKeywords()
    {
        var trie = new ByteTrie();
        trie.Add("true"u8, 0);
        trie.Add("false"u8, 1);
        trie.Add("null"u8, 2);
        return trie.Freeze();
    }
}
