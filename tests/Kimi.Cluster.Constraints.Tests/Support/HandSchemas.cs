namespace Kimi.Cluster.Constraints.Tests.Support;

/// <summary>Hand-written schemas for the corners the peer schemas touch lightly.</summary>
internal static class HandSchemas
{
    public static TheoryData<string> Names() => [.. All.Select(s => s.Name)];

    public static string Schema(string name) => All.Single(s => s.Name == name).Schema;

    public static IReadOnlyList<(string Name, string Schema)> All { get; } =
    [
        ("recursive tree", """
            {"$defs":{"node":{"type":"object","properties":{"name":{"type":"string","maxLength":6},
             "children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["name"],"additionalProperties":false}},
             "$ref":"#/$defs/node"}
            """),
        ("recursive root", """
            {"type":"object","properties":{"value":{"type":"integer"},"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]}},"required":["value","next"]}
            """),
        ("anyOf of objects", """
            {"anyOf":[{"type":"object","properties":{"kind":{"const":"circle"},"radius":{"type":"number","minimum":0}},"required":["kind","radius"],"additionalProperties":false},
                      {"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"integer","exclusiveMinimum":0,"maximum":100}},"required":["kind","side"],"additionalProperties":false}]}
            """),
        ("enums with shared prefixes", """
            {"type":"object","properties":{"color":{"enum":["red","reddish","redder","green",null,1,12,123,{"a":[1]}]},
             "unit":{"type":"string","enum":["celsius","fahrenheit","c"]}},"required":["color","unit"],"additionalProperties":false}
            """),
        ("nested arrays", """
            {"type":"array","items":{"type":"array","items":{"type":["integer","null"],"minimum":-5,"maximum":5},"minItems":1,"maxItems":3},"minItems":2,"maxItems":4}
            """),
        ("string lengths", """
            {"type":"object","properties":{"code":{"type":"string","minLength":3,"maxLength":5},"note":{"type":"string","minLength":2},
             "tag":{"type":"string","maxLength":1},"exact":{"type":"string","minLength":4,"maxLength":4}},"required":["code","note","tag","exact"],"additionalProperties":false}
            """),
        ("ranges", """
            {"type":"object","properties":{"a":{"type":"integer","minimum":-3,"maximum":3},"b":{"type":"number","exclusiveMinimum":0.5,"exclusiveMaximum":0.75},
             "c":{"type":"integer","minimum":1000000,"maximum":1000002},"d":{"type":"number","maximum":-1e-3},"e":{"type":"integer","exclusiveMaximum":-99}},
             "required":["a","b","c","d","e"],"additionalProperties":false}
            """),
        ("prefixItems and items false", """
            {"type":"array","prefixItems":[{"type":"string"},{"type":"boolean"},{"const":7}],"items":false,"minItems":2}
            """),
        ("additionalProperties schema", """
            {"type":"object","additionalProperties":{"type":"array","items":{"enum":["x","y"]},"maxItems":3}}
            """),
        ("nullable and required order", """
            {"type":"object","properties":{"z":{"type":["string","null"]},"a":{"type":"boolean"},"m":{"type":["number","null"],"maximum":10}},
             "required":["a"],"additionalProperties":false}
            """),
        ("oneOf by type and allOf", """
            {"type":"object","properties":{"v":{"oneOf":[{"type":"string","maxLength":3},{"type":"integer"},{"type":"null"}]},
             "w":{"allOf":[{"type":"object","properties":{"x":{"type":"string"}},"required":["x"]},{"required":["x"],"description":"merged"}]}},
             "required":["v","w"],"additionalProperties":false}
            """),
        ("definitions and ref siblings", """
            {"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"id":{"type":"string","minLength":1}},
             "type":"object","properties":{"id":{"$ref":"#/definitions/id","maxLength":8},"ids":{"type":"array","items":{"$ref":"#/definitions/id"}}},
             "required":["id"],"additionalProperties":false}
            """),
        ("any value", "{}"),
        ("json_object mode", """{"type":"object"}"""),
        ("union siblings and merged types", """
            {"type":"object","properties":{"p":{"type":"number"},"q":{"type":"string"}},"additionalProperties":false,
             "anyOf":[{"required":["p"]},{"required":["q"],"description":"q"}],
             "allOf":[{"properties":{"p":{"type":"number"},"q":{"type":"string"}},"additionalProperties":false,"required":["q"]}]}
            """),
        ("const object and integer merge", """
            {"type":"object","properties":{"k":{"const":{"x":[1,"y"],"z":null}},"n":{"allOf":[{"type":"number","minimum":2},{"type":"integer","maximum":4}]}},
             "required":["k","n"],"additionalProperties":false}
            """),
        ("required without properties", """{"type":"object","required":["q"],"additionalProperties":{"type":"integer"}}"""),
        ("patterns", """
            {"type":"object","properties":{"zip":{"type":"string","pattern":"^[0-9]{5}(-[0-9]{4})?$"},"code":{"type":"string","pattern":"^[A-Z]{2}\\d+$","maxLength":5},
             "word":{"type":"string","pattern":"^[a-z]+$"},"has_x":{"type":"string","pattern":"x"},"pairs":{"type":"string","pattern":"^(ab)*$","minLength":3,"maxLength":7},
             "accents":{"type":"string","pattern":"^(é|ü|[^\\x00-\\x7f])+$","maxLength":3},"escaped":{"type":"string","pattern":"^[\"\\\\/\\n\\t]{2,3}$"},
             "dots":{"type":"string","pattern":"^.{2}$|^-?\\d{1,3}(\\.\\d+)?$"},"ends":{"type":"string","pattern":"[.!?]$","minLength":2}},
             "required":["zip","code","word","has_x","pairs","accents","escaped","dots","ends"],"additionalProperties":false}
            """),
        ("pattern beside an enum", """{"type":"string","enum":["ab","abc","b","zz"],"pattern":"^a"}"""),
        ("unsatisfiable optional pruned", """
            {"type":"object","properties":{"never":{"type":"string","minLength":5,"maxLength":2},"ok":{"type":"integer","minimum":2,"maximum":1},"yes":{"type":"boolean"}},"additionalProperties":false}
            """),
    ];
}
