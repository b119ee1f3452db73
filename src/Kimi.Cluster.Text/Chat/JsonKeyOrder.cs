using System.Text.Json.Nodes;

namespace Kimi.Cluster.Text.Chat;

/// <summary>
/// K2.5's tokenizer sorts every object's keys, recursively, before it declares tools (so two
/// requests with the same tools in another key order render the same prompt); arrays keep
/// their order.
/// </summary>
public static class JsonKeyOrder
{
    /// <summary>A copy of <paramref name="node"/> with every object's keys in Python's order (by code point).</summary>
    public static JsonNode? DeepSorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj
            .OrderBy(p => p.Key, CodePointComparer.Instance)
            .Select(p => KeyValuePair.Create(p.Key, DeepSorted(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(DeepSorted)]),
        _ => node?.DeepClone(),
    };

    /// <inheritdoc cref="DeepSorted(JsonNode?)"/>
    public static JsonObject DeepSorted(JsonObject tool) => (JsonObject)DeepSorted((JsonNode)tool)!;

    /// <summary>
    /// Python compares strings by code point; ordinal UTF-16 comparison differs once a surrogate
    /// pair (above U+FFFF) meets a character from U+E000 to U+FFFF.
    /// </summary>
    private sealed class CodePointComparer : IComparer<string>
    {
        public static readonly CodePointComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null)
                return x is null ? y is null ? 0 : -1 : 1;
            var a = x.EnumerateRunes();
            var b = y.EnumerateRunes();
            while (true)
            {
                bool hasA = a.MoveNext(), hasB = b.MoveNext();
                if (!hasA || !hasB)
                    return hasA ? 1 : hasB ? -1 : 0;
                int order = a.Current.Value.CompareTo(b.Current.Value);
                if (order != 0)
                    return order;
            }
        }
    }
}
