using System.Text.Json.Nodes;
using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

public sealed class TypeScriptToolDeclarationTests
{
    private static string? Encode(string functionJson) =>
        TypeScriptToolDeclaration.Encode([new JsonObject { ["type"] = "function", ["function"] = JsonNode.Parse(functionJson) }]);

    private static string Wrap(string body) => "# Tools\n\n## functions\nnamespace functions {\n" + body + "\n}\n";

    [Fact]
    public void Encode_NoParameters_GivesAnEmptyObject() =>
        Assert.Equal(Wrap("type ping = (_: {}) => any;"), Encode("""{"name":"ping"}"""));

    [Fact]
    public void Encode_PutsRequiredFirstSortsByNameAndWritesConstraintsEnumsAndDefaults()
    {
        string? text = Encode("""
            {"name":"search","description":"Search.\n\nTwo lines.","parameters":{"type":"object","properties":{
              "zeta":{"type":"string","enum":["a","b"],"default":"a"},
              "query":{"type":"string","minLength":1,"maxLength":100,"description":"What"},
              "limit":{"type":"integer","minimum":1,"maximum":50,"default":10},
              "exact":{"type":"boolean","default":false},
              "ratio":{"type":"number","default":0.5}
            },"required":["zeta","query"]}}
            """);

        Assert.Equal(Wrap(
            "// Search.\n\n// Two lines.\n"
            + "type search = (_: {\n"
            + "  // What\n"
            + "  // maxLength: 100, minLength: 1\n"
            + "  query: string,\n"
            + "  // Default: \"a\"\n"
            + "  zeta: \"a\" | \"b\",\n"
            + "  // Default: False\n"
            + "  exact?: boolean,\n"
            + "  // maximum: 50, minimum: 1\n"
            + "  // Default: 10\n"
            + "  limit?: number,\n"
            + "  // Default: 0.5\n"
            + "  ratio?: number\n"
            + "}) => any;"), text);
    }

    [Fact]
    public void Encode_WritesArraysNestedObjectsUnionsAndIndexSignatures()
    {
        string? text = Encode("""
            {"name":"edit","parameters":{"type":"object","properties":{
              "tags":{"type":"array","items":{"type":"string"}},
              "ops":{"type":"array","minItems":1,"items":{"type":"object","description":"One op","properties":{"kind":{"enum":["add","del",3,null]},"at":{"type":["integer","null"]}},"required":["kind"]}},
              "meta":{"type":"object","additionalProperties":{"type":"string"}},
              "value":{"anyOf":[{"type":"string"},{"type":"array","items":{}}],"description":"Either"},
              "free":{"type":"object","additionalProperties":false}
            },"required":["ops","tags"]}}
            """);

        Assert.Equal(Wrap(
            "type edit = (_: {\n"
            + "  // minItems: 1\n"
            + "  ops: Array<\n"
            + "    // One op\n"
            + "    {\n"
            + "      kind: \"add\" | \"del\" | 3 | None,\n"
            + "      at?: number | null\n"
            + "    }\n"
            + "  >,\n"
            + "  tags: Array<string>,\n"
            + "  free?: {\n"
            + "    [k: string]: never\n"
            + "  },\n"
            + "  meta?: {\n"
            + "    [k: string]: string\n"
            + "  },\n"
            + "  // Either\n"
            + "  value?: string | Array<any>\n"
            + "}) => any;"), text);
    }

    [Fact]
    public void Encode_DeclaresDefinitionsAsInterfaces_AndSelfReferencesAsParameters()
    {
        string? withDefs = Encode("""
            {"name":"move","parameters":{"type":"object","$defs":{"Point":{"type":"object","description":"A point","properties":{"x":{"type":"number"},"y":{"type":"number"}},"required":["x","y"]}},
             "properties":{"to":{"$ref":"#/$defs/Point","description":"Target"}},"required":["to"]}}
            """);
        string? selfRef = Encode("""
            {"name":"tree","parameters":{"type":"object","properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#"}}},"required":["name"]}}
            """);

        Assert.Equal(Wrap(
            "// A point\ninterface Point {\n  x: number,\n  y: number\n}\n"
            + "type move = (_: {\n  // Target\n  to: Point\n}) => any;"), withDefs);
        Assert.Equal(Wrap(
            "interface parameters {\n  name: string,\n  children?: Array<parameters>\n}\n"
            + "type tree = (_: parameters) => any;"), selfRef);
    }

    [Fact]
    public void Encode_ReturnsNull_ForSchemasTheEncoderRejects()
    {
        Assert.Null(Encode("""{"name":"f","parameters":{"type":"object","properties":{"x":{"$ref":"#/$defs/Missing"}}}}"""));
        Assert.Null(Encode("""{"name":"f","parameters":{"type":"object","properties":{"x":{"type":"string","enum":[1]}}}}"""));
        Assert.Null(Encode("""{"name":"f","parameters":{"type":"object","properties":{"x":{"type":["string","date"]}}}}"""));
    }

    [Fact]
    public void Encode_ReturnsEmpty_WhenNoToolIsAFunction() =>
        Assert.Equal("", TypeScriptToolDeclaration.Encode([new JsonObject { ["type"] = "web_search" }]));
}
