using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// Keeps of each enum only the values that the keywords beside it allow (checked by
/// <see cref="ValueChecker"/>), and builds the trie of their canonical spellings.
/// </summary>
internal sealed class EnumFilter
{
    private readonly Dictionary<SchemaNode, IReadOnlyList<JsonElement>> _done = [];
    private readonly HashSet<SchemaNode> _inProgress = [];

    public void Run(IEnumerable<SchemaNode> nodes)
    {
        foreach (var node in nodes.Where(n => n.Kind == SchemaKind.Enum))
        {
            node.EnumValues = [.. Values(node)];
            var trie = new ByteTrie();
            foreach (var (value, index) in node.EnumValues.Select((v, i) => (v, i)))
                trie.Add(Canonical(value, node), index);
            node.EnumTrie = trie.Freeze();
        }
    }

    private IReadOnlyList<JsonElement> Values(SchemaNode node)
    {
        if (_done.TryGetValue(node, out var known))
            return known;
        if (!_inProgress.Add(node))
            throw new UnsupportedSchemaException("enum", node.Path, "its values are checked against a schema that contains the same enum");
        var checker = new ValueChecker(Values);
        List<JsonElement> kept = [.. node.EnumValues.Where(value => checker.Check(value, node.EnumBase!))]; // enum nodes always have a base
        _inProgress.Remove(node);
        _done[node] = kept;
        return kept;
    }

    private static byte[] Canonical(JsonElement value, SchemaNode node)
    {
        try
        {
            return CanonicalJson.Write(value);
        }
        catch (InvalidOperationException e)
        {
            throw new UnsupportedSchemaException("enum", node.Path, e.Message); // a lone surrogate in a string value
        }
    }
}
