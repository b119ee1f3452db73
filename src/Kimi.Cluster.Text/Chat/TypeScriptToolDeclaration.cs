using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kimi.Cluster.Text.Chat;

/// <summary>
/// K2.5's `tools_ts_str`: the OpenAI tools written as a TypeScript namespace, the form Moonshot's
/// tokenizer code (tool_declaration_ts.py) hands the chat template. Written from that code's
/// observable behaviour: where it would raise, <see cref="Encode"/> returns null, and with no
/// function among the tools it returns ""; either way the template falls back to compact JSON, as
/// Moonshot's apply_chat_template does.
/// </summary>
internal static class TypeScriptToolDeclaration
{
    public static string? Encode(IReadOnlyList<JsonObject> tools)
    {
        if (tools.Count == 0)
            return "";
        try
        {
            var functions = tools
                .Where(t => t["type"] is JsonValue type && type.GetValueKind() == JsonValueKind.String && type.GetValue<string>() == "function")
                .Select(t => t["function"])
                .Where(IsTruthy)
                .Select(f => Function(AsObject(f)))
                .ToList();
            // No function among the tools: "" (the template then falls back to JSON).
            return functions.Count == 0
                ? ""
                : $"# Tools\n\n## functions\nnamespace functions {{\n{string.Join("\n", functions)}\n}}\n";
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException)
        {
            return null;
        }
    }

    private static string Function(JsonObject function)
    {
        var schema = new TypeScriptSchemaReader();
        JsonNode? parametersNode = function["parameters"];
        var parameters = schema.ReadObject(IsTruthy(parametersNode) ? AsObject(parametersNode) : []);
        var interfaces = new List<string>();
        if (schema.HasSelfReference)
        {
            string fields = string.Join(",\n", parameters.Fields.Select(f => f.Write(TypeScriptType.Indent)));
            interfaces.Add(fields.Length == 0 ? "interface parameters {}" : $"interface parameters {{\n{fields}\n}}");
        }
        foreach (var (name, definition) in schema.Definitions.ToList())
        {
            var type = schema.Read(definition);
            string description = TypeScriptSchemaReader.DescriptionOf(AsObject(definition));
            string comment = description.Length == 0 ? "" : TypeScriptType.CommentLines(description, "") + "\n";
            interfaces.Add($"{comment}interface {name} {type.Write("")}");
        }
        string functionName = function.ContainsKey("name") ? PythonRepr.Str(function["name"]) : "function";
        string typeDefinition = schema.HasSelfReference
            ? $"type {functionName} = (_: parameters) => any;"
            : $"type {functionName} = (_: {parameters.Write("")}) => any;";
        string functionDescription = IsTruthy(function["description"])
            ? TypeScriptType.CommentLines(TypeScriptSchemaReader.Text(function["description"]), "")
            : "";
        return string.Join("\n", new[] { string.Join("\n", interfaces), functionDescription, typeDefinition }.Where(s => s.Length > 0));
    }

    internal static JsonObject AsObject(JsonNode? node) =>
        node as JsonObject ?? throw new InvalidOperationException($"expected a JSON object, got {node?.ToJsonString() ?? "null"}");

    /// <summary>Python truthiness of what json.loads made of the node.</summary>
    internal static bool IsTruthy(JsonNode? node) => node switch
    {
        null => false,
        JsonObject obj => obj.Count > 0,
        JsonArray array => array.Count > 0,
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>().Length > 0,
            JsonValueKind.Number => value.GetValue<double>() != 0,
            JsonValueKind.True => true,
            _ => false,
        },
        _ => false,
    };
}
