using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// Makes compiled nodes safe to generate from: checks oneOf exclusivity, keeps only the enum values
/// the rest of their schema allows, finds which types of each node can be completed at all (a
/// fixed point, as nodes are recursive), and drops what cannot, so that no allowed token ever leads
/// to a dead end.
/// </summary>
internal static class SchemaAnalysis
{
    public static void Run(SchemaCompiler compiler, SchemaNode root)
    {
        var nodes = compiler.Nodes;
        foreach (var union in nodes.Where(n => n.IsOneOf))
            OneOfCheck.RequireExclusive(union);
        foreach (var union in nodes.Where(n => n.Kind == SchemaKind.Union))
            union.Alternatives = Leaves(union, []).Distinct().ToList();
        new EnumFilter().Run(nodes);
        bool changed;
        do
        {
            changed = false;
            foreach (var node in nodes)
                changed |= Update(node);
        }
        while (changed);
        foreach (var node in nodes)
            Prune(node);
        if (!root.Satisfiable)
            throw new UnsupportedSchemaException("schema", root.Path, "no JSON value satisfies it (as far as this grammar can generate)");
    }

    /// <summary>A union's alternatives with nested unions opened up (a union that reaches itself adds nothing).</summary>
    private static IEnumerable<SchemaNode> Leaves(SchemaNode node, HashSet<SchemaNode> seen)
    {
        if (!seen.Add(node))
            return [];
        return node.Kind == SchemaKind.Union ? node.Alternatives.SelectMany(a => Leaves(a, seen)) : [node];
    }

    private static bool Update(SchemaNode node)
    {
        var types = node.Kind switch
        {
            SchemaKind.Typed => TypedSatisfiable(node),
            SchemaKind.Enum => node.EnumValues.Aggregate(JsonTypes.None, (t, v) => t | OneOfCheck.TypeOf(v)),
            SchemaKind.Union => node.Alternatives.Aggregate(JsonTypes.None, (t, a) => t | a.SatisfiableTypes),
            _ => JsonTypes.None,
        };
        bool changed = types != node.SatisfiableTypes;
        node.SatisfiableTypes = types;
        return changed;
    }

    private static JsonTypes TypedSatisfiable(SchemaNode node)
    {
        var types = node.Types & (JsonTypes.Null | JsonTypes.Boolean);
        if ((node.Types & JsonTypes.String) != 0 && (node.MaxLength < 0 || node.MinLength <= node.MaxLength)
            && (node.Pattern is null || node.Pattern.Viable(0, 0, 0)))
            types |= JsonTypes.String;
        var numeric = node.Types & (JsonTypes.Integer | JsonTypes.Number);
        if (numeric != 0 && (node.Range is null || node.Range.CanComplete("", integerOnly: (numeric & JsonTypes.Number) == 0)))
            types |= numeric;
        if ((node.Types & JsonTypes.Object) != 0 && !node.ObjectImpossible && node.Properties.Where(p => p.Required).All(p => p.Schema.Satisfiable))
            types |= JsonTypes.Object;
        if ((node.Types & JsonTypes.Array) != 0 && node.MinItems <= node.MaxItems && FirstUnsatisfiableItem(node) >= node.MinItems)
            types |= JsonTypes.Array;
        return types;
    }

    /// <summary>The first item index that can hold no value (int.MaxValue when every index can).</summary>
    private static int FirstUnsatisfiableItem(SchemaNode node)
    {
        int index = node.PrefixItems.FindIndex(item => !item.Satisfiable);
        if (index >= 0)
            return index;
        return node.Items is { Satisfiable: true } ? int.MaxValue : node.PrefixItems.Count;
    }

    private static void Prune(SchemaNode node)
    {
        if (node.Kind == SchemaKind.Union)
            node.Alternatives = [.. node.Alternatives.Where(a => a.Satisfiable)];
        if (node.Kind != SchemaKind.Typed)
            return;
        node.Properties = [.. node.Properties.Where(p => p.Schema.Satisfiable)];
        if (node.Additional is { Satisfiable: false })
            node.Additional = null;
        node.Keys = node.FreeKeys ? null : new ObjectKeys(node.Properties);
        node.EffectiveMaxItems = Math.Min(node.MaxItems, FirstUnsatisfiableItem(node));
        node.ItemCountCap = node.EffectiveMaxItems < int.MaxValue
            ? node.EffectiveMaxItems
            : Math.Max(node.PrefixItems.Count, node.MinItems);
    }
}
