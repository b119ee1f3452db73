using System.Text.Json;
using Kimi.Cluster.Constraints;
using Kimi.Cluster.Router.Api;

namespace Kimi.Cluster.Router.Chat;

/// <summary>
/// Reads response_format: {"type": "text"}, {"type": "json_object"} or {"type": "json_schema",
/// "json_schema": {"name": ..., "schema": {...}, "strict": ...}}. A schema is compiled here so a
/// keyword constrained decoding cannot enforce is a 400 naming it, before any worker is asked.
/// </summary>
public static class ResponseFormatReader
{
    private const string Param = "response_format";

    public static ResponseFormat Read(JsonElement? responseFormat)
    {
        if (responseFormat is not { ValueKind: not JsonValueKind.Null } value)
            return ResponseFormat.Text;
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw Invalid("response_format must be an object with a \"type\": \"text\", \"json_object\" or \"json_schema\"");
        return type.GetString() switch
        {
            "text" => ResponseFormat.Text,
            "json_object" => ResponseFormat.JsonObject,
            "json_schema" => JsonSchema(value),
            var other => throw Invalid($"response_format type '{other}' is not one of \"text\", \"json_object\", \"json_schema\""),
        };
    }

    private static ResponseFormat JsonSchema(JsonElement format)
    {
        if (!format.TryGetProperty("json_schema", out var jsonSchema) || jsonSchema.ValueKind != JsonValueKind.Object)
            throw Invalid("response_format of type \"json_schema\" needs a \"json_schema\" object with a \"schema\"");
        if (!jsonSchema.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
            throw Invalid("response_format.json_schema needs a \"name\"");
        if (!jsonSchema.TryGetProperty("schema", out var schema) || schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
            throw Invalid("response_format.json_schema needs a \"schema\" (a JSON Schema object)");
        CheckEnforceable(schema, "response_format.json_schema.schema", Param);
        return new ResponseFormat(ResponseFormatKind.JsonSchema, schema.GetRawText());
    }

    /// <summary>Throws a 400 naming <paramref name="where"/> and the keyword when the schema cannot be enforced.</summary>
    public static void CheckEnforceable(JsonElement schema, string where, string param)
    {
        try
        {
            JsonGrammar.Compile(schema);
        }
        catch (UnsupportedSchemaException error)
        {
            throw ApiException.InvalidRequest($"{where}: {error.Message}", param);
        }
    }

    private static ApiException Invalid(string message) => ApiException.InvalidRequest(message, Param);
}
