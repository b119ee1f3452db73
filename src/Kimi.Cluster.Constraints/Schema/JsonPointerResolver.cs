using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>Finds the schema a <c>$ref</c> names: "#" or a JSON pointer fragment within the same document.</summary>
internal static class JsonPointerResolver
{
    public static (JsonElement Target, string Path) Resolve(JsonElement root, SchemaEntry reference)
    {
        string text = reference.Value.ValueKind == JsonValueKind.String
            ? reference.Value.GetString()!
            : throw Refuse(reference, "'$ref' must be a string");
        if (!text.StartsWith('#'))
            throw Refuse(reference, $"'{text}' is not within this document (only '#...' references are)");
        string fragment = Uri.UnescapeDataString(text[1..]);
        if (fragment.Length > 0 && fragment[0] != '/')
            throw Refuse(reference, $"'{text}' names an anchor; only JSON pointers are followed");
        var target = root;
        foreach (string segment in fragment.Split('/').Skip(1))
            target = Step(target, segment.Replace("~1", "/").Replace("~0", "~"), reference, text);
        return (target, "#" + fragment);
    }

    private static JsonElement Step(JsonElement at, string segment, SchemaEntry reference, string text) => at.ValueKind switch
    {
        JsonValueKind.Object when at.TryGetProperty(segment, out var child) => child,
        JsonValueKind.Array when int.TryParse(segment, out int index) && index >= 0 && index < at.GetArrayLength() => at[index],
        _ => throw Refuse(reference, $"'{text}' points to nothing"),
    };

    private static UnsupportedSchemaException Refuse(SchemaEntry reference, string reason) => new("$ref", reference.Path, reason);
}
