using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>Reads the <c>type</c> keyword: one name or an array of names.</summary>
internal static class SchemaTypeNames
{
    public static IEnumerable<string> Read(SchemaEntry entry) => entry.Value.ValueKind switch
    {
        JsonValueKind.String => [entry.Value.GetString()!], // a String element's value is never null
        JsonValueKind.Array => entry.Value.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String
            ? item.GetString()!
            : throw new UnsupportedSchemaException("type", entry.Path, "type names must be strings")),
        _ => throw new UnsupportedSchemaException("type", entry.Path, "'type' must be a name or an array of names"),
    };

    public static JsonTypes Flags(SchemaEntry entry) =>
        Read(entry).Aggregate(JsonTypes.None, (flags, name) => flags | name switch
        {
            "null" => JsonTypes.Null,
            "boolean" => JsonTypes.Boolean,
            "object" => JsonTypes.Object,
            "array" => JsonTypes.Array,
            "string" => JsonTypes.String,
            "integer" => JsonTypes.Integer,
            "number" => JsonTypes.Number,
            _ => throw new UnsupportedSchemaException("type", entry.Path, $"unknown type '{name}'"),
        });

    /// <summary>The type names both entries allow (integers are numbers too).</summary>
    public static string[] Intersect(SchemaEntry a, SchemaEntry b)
    {
        var left = Read(a).ToHashSet();
        var right = Read(b).ToHashSet();
        var both = left.Intersect(right).ToHashSet();
        if ((left.Contains("number") && right.Contains("integer")) || (left.Contains("integer") && right.Contains("number")))
            both.Add("integer");
        return [.. both];
    }
}
