using System.Text.Json;
using Kimi.Cluster.Constraints;
using Kimi.Cluster.Constraints.Tests.Support;
using Xunit.Abstractions;

namespace Kimi.Cluster.Constraints.Tests.Schemas;

/// <summary>What the compiler refuses, each named by keyword and JSON pointer, and what it compiles of the peer tool schemas.</summary>
public sealed class SchemaRefusalTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("""{"type":"object","properties":{"zip":{"type":"string","pattern":"^(?!0)[0-9]{5}$"}}}""", "pattern", "#/properties/zip")]
    [InlineData("""{"type":"string","pattern":"(a)\\1"}""", "pattern", "#")]
    [InlineData("""{"type":"string","pattern":7}""", "pattern", "#")]
    [InlineData("""{"type":"string","pattern":"^a$","minLength":2}""", "schema", "#")]
    [InlineData("""{"allOf":[{"pattern":"a"},{"pattern":"b"}]}""", "allOf", "#/allOf/1")]
    [InlineData("""{"type":"object","properties":{"when":{"type":"string","format":"date-time"}}}""", "format", "#/properties/when")]
    [InlineData("""{"type":"number","multipleOf":0.5}""", "multipleOf", "#")]
    [InlineData("""{"not":{"type":"string"}}""", "not", "#")]
    [InlineData("""{"if":{"type":"string"},"then":{"minLength":1}}""", "if", "#")]
    [InlineData("""{"type":"object","patternProperties":{"^x":{}}}""", "patternProperties", "#")]
    [InlineData("""{"type":"object","minProperties":1}""", "minProperties", "#")]
    [InlineData("""{"type":"array","items":{"type":"object","propertyNames":{"maxLength":3}}}""", "propertyNames", "#/items")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "uniqueItems", "#")]
    [InlineData("""{"type":"array","contains":{"type":"string"}}""", "contains", "#")]
    [InlineData("""{"type":"array","items":[{"type":"string"}]}""", "items", "#")]
    [InlineData("""{"properties":{"a":{"$id":"a.json","type":"string"}}}""", "$id", "#/properties/a")]
    [InlineData("""{"$ref":"other.json#/$defs/a"}""", "$ref", "#")]
    [InlineData("""{"properties":{"a":{"$ref":"#/$defs/missing"}}}""", "$ref", "#/properties/a")]
    [InlineData("""{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}""", "$ref", "#/$defs/a")]
    [InlineData("""{"$anchor":"x","type":"string"}""", "$anchor", "#")]
    [InlineData("""{"properties":{"v":{"oneOf":[{"type":"string"},{"maxLength":3}]}}}""", "oneOf", "#/properties/v")]
    [InlineData("""{"properties":{"n":{"oneOf":[{"type":"number"},{"type":"integer"}]}}}""", "oneOf", "#/properties/n")]
    [InlineData("""{"allOf":[{"maxLength":3},{"maxLength":4}]}""", "allOf", "#/allOf/1")]
    [InlineData("""{"allOf":[{"properties":{"a":{}}},{"additionalProperties":false}]}""", "allOf", "#/allOf/1")]
    [InlineData("""{"properties":{"p":{}},"additionalProperties":false,"anyOf":[{"properties":{"q":{}}}]}""", "anyOf", "#/anyOf/0")]
    [InlineData("""{"type":"object","properties":{"e":{"enum":[]}}}""", "enum", "#/properties/e")]
    [InlineData("""{"type":"number","exclusiveMinimum":true,"minimum":0}""", "exclusiveMinimum", "#")]
    [InlineData("""{"type":"strin"}""", "type", "#")]
    [InlineData("""{"frobnicate":1}""", "frobnicate", "#")]
    [InlineData("""{"type":"string","minLength":3,"maxLength":2}""", "schema", "#")]
    [InlineData("""{"type":"integer","enum":["a","b"]}""", "schema", "#")]
    [InlineData("""{"type":"integer","minimum":0.25,"maximum":0.75}""", "schema", "#")]
    [InlineData("""false""", "schema", "#")]
    public void Compile_NamesTheKeywordAndItsPath_WhenItCannotBeMadeExact(string schema, string keyword, string path)
    {
        var error = Assert.Throws<UnsupportedSchemaException>(() => Cursors.Grammar(schema));
        Assert.Equal((keyword, path), (error.Keyword, error.SchemaPath));
        Assert.StartsWith($"keyword '{keyword}' at {path} is not supported", error.Message);
    }

    [Fact]
    public void Compile_TreatsFormatAsAnAnnotation_WhenAskedTo()
    {
        var options = JsonGrammarOptions.Default with { IgnoreFormat = true };
        Assert.True(Cursors.AcceptsWhole("""{"type":"string","format":"email"}""", "\"not an email\"", options));
    }

    [Fact]
    public void Compile_IgnoresAnnotations()
    {
        const string schema = """
            {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://example.com/s","title":"t","description":"d",
             "type":"integer","default":1,"examples":[2],"$comment":"c","deprecated":false,"readOnly":true,"writeOnly":false,"uniqueItems":false}
            """;
        Assert.True(Cursors.AcceptsWhole(schema, "42"));
    }

    [Fact]
    public void PeerSchemas_AllCompile()
    {
        var refused = new List<string>();
        int compiled = 0;
        foreach (var (name, schema) in PeerSchemas.All)
        {
            try
            {
                Cursors.Grammar(schema);
                compiled++;
            }
            catch (UnsupportedSchemaException e)
            {
                refused.Add($"{name}: {e.Message}");
            }
        }
        output.WriteLine($"{compiled} of {PeerSchemas.All.Count} peer schemas compile; refused: {string.Join(" | ", refused)}");
        Assert.Equal(204, PeerSchemas.All.Count);
        Assert.Empty(refused);
    }

    [Fact]
    public void Compile_KeepsWorking_AfterTheCallerDisposesTheSchemaDocument()
    {
        JsonGrammar grammar;
        using (var document = JsonDocument.Parse("""{"enum":["a","b"]}"""))
            grammar = JsonGrammar.Compile(document.RootElement);
        var cursor = ConstraintCursor.Start(Cursors.Json(grammar, TinyVocabulary.Instance), TinyVocabulary.EndTokens);
        Assert.Equal(3, Cursors.FeedBytes(cursor, "\"b\""));
        Assert.True(cursor.IsComplete);
    }
}
