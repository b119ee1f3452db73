using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>Which keywords the compiler understands, which it ignores as annotations, and reading a schema object's keywords.</summary>
internal static class SchemaKeywords
{
    private static readonly HashSet<string> Annotations =
        ["title", "description", "default", "examples", "$schema", "$comment", "deprecated", "readOnly", "writeOnly"];

    private static readonly HashSet<string> Understood =
    [
        "type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref",
        "properties", "required", "additionalProperties",
        "items", "prefixItems", "minItems", "maxItems",
        "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    ];

    /// <summary>The keywords of a schema object that constrain values; throws for one it cannot make exact.</summary>
    public static SchemaView Read(JsonElement schema, string path, bool isRoot, JsonGrammarOptions options)
    {
        var keywords = new Dictionary<string, SchemaEntry>();
        foreach (var property in schema.EnumerateObject())
        {
            string name = property.Name;
            if (Ignored(name, property.Value, isRoot, options))
                continue;
            if (!Understood.Contains(name))
                throw new UnsupportedSchemaException(name, path);
            keywords[name] = new SchemaEntry(property.Value, path);
        }
        return new SchemaView(path, path, keywords);
    }

    public static bool IsAnnotation(string keyword) => Annotations.Contains(keyword);

    private static bool Ignored(string name, JsonElement value, bool isRoot, JsonGrammarOptions options) => name switch
    {
        // Definitions are read only where a $ref points into them.
        "$defs" or "definitions" => true,
        // A nested $id would change what its $refs point to; at the root it changes nothing here.
        "$id" => isRoot,
        "format" => options.IgnoreFormat,
        "uniqueItems" => value.ValueKind == JsonValueKind.False,
        _ => Annotations.Contains(name),
    };
}
