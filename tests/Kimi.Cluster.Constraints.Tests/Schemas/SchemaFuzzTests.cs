using System.Text;
using System.Text.Json.Nodes;
using Json.Schema;
using Kimi.Cluster.Constraints.Tests.Support;

namespace Kimi.Cluster.Constraints.Tests.Schemas;

/// <summary>
/// Schemas mutated at random (a value somewhere replaced by another kind of value): compiling
/// either succeeds or throws <see cref="UnsupportedSchemaException"/>, never anything else, and
/// what compiles still only generates documents the validator accepts.
/// </summary>
public sealed class SchemaFuzzTests
{
    private static readonly string[] Replacements =
    [
        "0", "-1", "2.5", "3", "1e1", "\"x\"", "\"string\"", "\"integer\"", "\"#\"", "\"#/$defs/x\"", "true", "false", "null", "[]", "{}",
        "[\"a\",1]", "{\"type\":\"string\"}", "[{\"type\":\"null\"}]", "{\"a\":{\"minimum\":2}}",
    ];

    [Fact]
    public void Compile_RefusesOrGeneratesValidDocuments_ForMutatedSchemas()
    {
        var random = new Random(17);
        var sources = HandSchemas.All.Select(s => s.Schema).Concat(PeerSchemas.All.Take(60).Select(s => s.Schema)).ToList();
        for (int i = 0; i < 1500; i++)
        {
            var root = JsonNode.Parse(sources[random.Next(sources.Count)])!;
            Mutate(root, random);
            string schema = root.ToJsonString();
            JsonGrammar grammar;
            try
            {
                grammar = Cursors.Grammar(schema);
            }
            catch (UnsupportedSchemaException)
            {
                continue;
            }
            if (!ValidatorAccepts(schema))
                continue; // the mutation made a schema the validator itself refuses
            var cursor = ConstraintCursor.Start(Cursors.Json(grammar, TinyVocabulary.Instance), TinyVocabulary.EndTokens);
            var (bytes, _) = new RandomWalker(TinyVocabulary.Instance, i) { CloseAfter = 20, Label = schema }.Walk(cursor, TinyVocabulary.EndTokens);
            string? problem = SchemaValidator.Problem(schema, bytes);
            Assert.True(problem is null, $"{schema}: {Encoding.UTF8.GetString(bytes)} is invalid: {problem}");
        }
    }

    private static void Mutate(JsonNode root, Random random)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        if (nodes.Count == 0)
            return; // "{}" has nothing inside to replace
        var target = nodes[random.Next(nodes.Count)];
        var replacement = JsonNode.Parse(Replacements[random.Next(Replacements.Length)]);
        switch (target.Parent)
        {
            case JsonObject parent:
                parent[target.GetPropertyName()] = replacement;
                break;
            case JsonArray parent:
                parent[target.GetElementIndex()] = replacement;
                break;
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        if (node.Parent is not null)
            nodes.Add(node);
        var children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children)
        {
            if (child is not null)
                Collect(child, nodes);
        }
    }

    private static bool ValidatorAccepts(string schema)
    {
        try
        {
            using var empty = System.Text.Json.JsonDocument.Parse("null");
            _ = JsonSchema.FromText(schema).Evaluate(empty.RootElement);
            return true;
        }
        catch (Exception e) when (e is JsonSchemaException or InvalidOperationException or ArgumentException or System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
