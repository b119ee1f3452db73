using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// Whether a known value (an enum or const value) satisfies a compiled node, by the node's own
/// (possibly narrower) rules: values the grammar could not vouch for are dropped from the enum.
/// </summary>
internal sealed class ValueChecker(Func<SchemaNode, IReadOnlyList<JsonElement>> enumValues)
{
    public bool Check(JsonElement value, SchemaNode node) => node.Kind switch
    {
        SchemaKind.Nothing => false,
        SchemaKind.Union => node.Alternatives.Any(alternative => Check(value, alternative)),
        SchemaKind.Enum => enumValues(node).Any(allowed => JsonElement.DeepEquals(allowed, value)),
        _ => CheckTyped(value, node),
    };

    private bool CheckTyped(JsonElement value, SchemaNode node) => value.ValueKind switch
    {
        JsonValueKind.Null => Has(node, JsonTypes.Null),
        JsonValueKind.True or JsonValueKind.False => Has(node, JsonTypes.Boolean),
        JsonValueKind.String => Has(node, JsonTypes.String) && StringLength.Fits(value.GetString()!, node) // a String element's value is never null
                                && (node.Pattern is null || node.Pattern.Matches(value.GetString()!)),
        JsonValueKind.Number => CheckNumber(value, node),
        JsonValueKind.Object => Has(node, JsonTypes.Object) && !node.ObjectImpossible && CheckObject(value, node),
        JsonValueKind.Array => Has(node, JsonTypes.Array) && CheckArray(value, node),
        _ => false,
    };

    private static bool CheckNumber(JsonElement value, SchemaNode node)
    {
        if (!DecimalValue.TryParse(value.GetRawText(), out var number))
            return false;
        bool typed = Has(node, JsonTypes.Number) || (Has(node, JsonTypes.Integer) && number.IsIntegral);
        return typed && (node.Range is null || node.Range.Contains(number));
    }

    private bool CheckObject(JsonElement value, SchemaNode node)
    {
        var members = value.EnumerateObject().ToList();
        if (members.Select(m => m.Name).Distinct().Count() != members.Count)
            return false;
        if (node.FreeKeys)
            return members.All(m => Check(m.Value, node.Additional!)); // free keys always have an Additional schema
        return members.All(m => node.Properties.Find(p => p.Name == m.Name) is { } rule && Check(m.Value, rule.Schema))
            && node.Properties.Where(p => p.Required).All(p => members.Exists(m => m.Name == p.Name));
    }

    private bool CheckArray(JsonElement value, SchemaNode node)
    {
        int count = value.GetArrayLength();
        return count >= node.MinItems && count <= node.MaxItems
            && value.EnumerateArray().Select((item, index) => node.ItemAt(index) is { } schema && Check(item, schema)).All(ok => ok);
    }

    private static bool Has(SchemaNode node, JsonTypes type) => (node.Types & type) != 0;
}
