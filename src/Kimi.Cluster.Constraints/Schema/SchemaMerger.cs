using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// Combines two schemas that must both hold ($ref with siblings, allOf, a union's siblings with
/// each alternative) into one, where that is exact: keywords of one side only are taken over,
/// types intersect, required lists join, equal values merge; anything else is refused.
/// </summary>
internal static class SchemaMerger
{
    // additionalProperties depends on the properties beside it, items on prefixItems: split across
    // the two sides, merging them would change what they mean.
    private static readonly string[][] Groups = [["properties", "additionalProperties"], ["prefixItems", "items"]];

    public static SchemaView Merge(SchemaView a, SchemaView b, string combiner)
    {
        if (a.IsFalse || b.IsFalse)
            return SchemaView.False(a.Path);
        if (b.IsEmpty)
            return a;
        if (a.IsEmpty)
            return b;
        CheckGroups(a, b, combiner);
        var merged = new Dictionary<string, SchemaEntry>(a.Keywords);
        foreach (var (keyword, entry) in b.Keywords)
            merged[keyword] = merged.TryGetValue(keyword, out var existing) ? Combine(keyword, existing, entry, combiner) : entry;
        return new SchemaView(a.Key + "\u0001&" + b.Key, a.Path, merged);
    }

    private static void CheckGroups(SchemaView a, SchemaView b, string combiner)
    {
        foreach (var group in Groups)
        {
            if (a.HasAny(group) && b.HasAny(group) && !group.All(k => Same(a, b, k)))
                throw new UnsupportedSchemaException(combiner, b.Path, $"it combines '{string.Join("'/'", group)}' of {a.Path} and {b.Path}");
        }
    }

    private static bool Same(SchemaView a, SchemaView b, string keyword) =>
        a.Has(keyword) == b.Has(keyword) && (!a.Has(keyword) || JsonElement.DeepEquals(a[keyword].Value, b[keyword].Value));

    private static SchemaEntry Combine(string keyword, SchemaEntry a, SchemaEntry b, string combiner)
    {
        if (JsonElement.DeepEquals(a.Value, b.Value))
            return a;
        return keyword switch
        {
            "type" => new SchemaEntry(Json(SchemaTypeNames.Intersect(a, b)), a.Path),
            "required" => new SchemaEntry(Json(Strings(a).Union(Strings(b)).ToArray()), a.Path),
            _ => throw new UnsupportedSchemaException(combiner, b.Path, $"'{keyword}' differs between {a.Path} and {b.Path}"),
        };
    }

    private static IEnumerable<string> Strings(SchemaEntry entry) =>
        entry.Value.ValueKind == JsonValueKind.Array && entry.Value.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String)
            ? entry.Value.EnumerateArray().Select(item => item.GetString()!) // all strings, checked above
            : throw new UnsupportedSchemaException("required", entry.Path, "'required' must be an array of names");

    private static JsonElement Json(string[] values) => JsonSerializer.SerializeToElement(values);
}
