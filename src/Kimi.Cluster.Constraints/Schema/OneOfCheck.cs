using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// oneOf is compiled as anyOf, which is exact only when no value can match two alternatives: this
/// checks that by types (integers are numbers) and, for enums of one type, by their values.
/// </summary>
internal static class OneOfCheck
{
    public static void RequireExclusive(SchemaNode union)
    {
        var alternatives = union.Alternatives;
        for (int i = 0; i < alternatives.Count; i++)
        {
            for (int j = i + 1; j < alternatives.Count; j++)
            {
                if (MayOverlap(alternatives[i], alternatives[j]))
                    throw new UnsupportedSchemaException("oneOf", union.Path, $"alternatives {i} and {j} may both match a value, which oneOf forbids; anyOf is supported");
            }
        }
    }

    public static JsonTypes TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => JsonTypes.Null,
        JsonValueKind.True or JsonValueKind.False => JsonTypes.Boolean,
        JsonValueKind.Object => JsonTypes.Object,
        JsonValueKind.Array => JsonTypes.Array,
        JsonValueKind.String => JsonTypes.String,
        _ => DecimalValue.TryParse(value.GetRawText(), out var number) && number.IsIntegral ? JsonTypes.Integer : JsonTypes.Number,
    };

    private static bool MayOverlap(SchemaNode a, SchemaNode b)
    {
        if (a.Kind == SchemaKind.Enum && b.Kind == SchemaKind.Enum)
            return a.EnumValues.Any(x => b.EnumValues.Any(y => JsonElement.DeepEquals(x, y)));
        var left = PossibleTypes(a, []);
        var right = PossibleTypes(b, []);
        return (left & right) != 0
            || ((left & JsonTypes.Number) != 0 && (right & JsonTypes.Integer) != 0)
            || ((left & JsonTypes.Integer) != 0 && (right & JsonTypes.Number) != 0);
    }

    private static JsonTypes PossibleTypes(SchemaNode node, HashSet<SchemaNode> seen)
    {
        if (!seen.Add(node))
            return JsonTypes.None;
        return node.Kind switch
        {
            SchemaKind.Typed => node.Types,
            SchemaKind.Enum => node.EnumValues.Aggregate(JsonTypes.None, (t, v) => t | TypeOf(v)),
            SchemaKind.Union => node.Alternatives.Aggregate(JsonTypes.None, (t, n) => t | PossibleTypes(n, seen)),
            _ => JsonTypes.None,
        };
    }
}
