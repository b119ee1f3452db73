namespace Kimi.Cluster.Constraints;

/// <summary>
/// A JSON Schema that <see cref="JsonGrammar.Compile(System.Text.Json.JsonElement)"/> cannot turn into an
/// exact grammar: it names the keyword and the JSON pointer of the schema that holds it.
/// </summary>
public sealed class UnsupportedSchemaException : Exception
{
    public UnsupportedSchemaException(string keyword, string schemaPath, string? reason = null)
        : base($"keyword '{keyword}' at {schemaPath} is not supported" + (reason is null ? "" : $": {reason}"))
    {
        Keyword = keyword;
        SchemaPath = schemaPath;
    }

    /// <summary>The keyword refused, e.g. <c>pattern</c>.</summary>
    public string Keyword { get; }

    /// <summary>The JSON pointer (URI fragment form) of the schema object holding the keyword, e.g. <c>#/properties/zip</c>.</summary>
    public string SchemaPath { get; }
}
