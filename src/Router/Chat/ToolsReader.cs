using System.Text.Json;
using System.Text.Json.Nodes;
using Kimi.Cluster.Router.Api;

namespace Kimi.Cluster.Router.Chat;

/// <summary>Reads tools and tool_choice; a forced call ("required" or a named function) is enforced by constrained decoding.</summary>
public static class ToolsReader
{
    public static IReadOnlyList<JsonObject> ReadTools(JsonElement? tools)
    {
        if (tools is not { ValueKind: not JsonValueKind.Null } value)
            return [];
        if (value.ValueKind != JsonValueKind.Array)
            throw Invalid("tools must be an array of {\"type\": \"function\", \"function\": {...}}", "tools");
        var read = new List<JsonObject>();
        int index = 0;
        foreach (var tool in value.EnumerateArray())
        {
            string at = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object
                || !tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "function"
                || !tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || string.IsNullOrWhiteSpace(name.GetString()))
            {
                throw Invalid($"{at} must be {{\"type\": \"function\", \"function\": {{\"name\": ..., \"parameters\": {{...}}}}}}", "tools");
            }
            // Keys stay in the order sent: the template declares the tools as the client wrote them.
            read.Add(JsonNode.Parse(tool.GetRawText())!.AsObject());
        }
        return read;
    }

    /// <summary>
    /// Reads tool_choice: "none", "auto" (the default when tools are offered), "required", or
    /// {"type": "function", "function": {"name": ...}} naming one of <paramref name="tools"/>.
    /// </summary>
    public static ToolChoice ReadToolChoice(JsonElement? toolChoice, IReadOnlyList<JsonObject> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        bool hasTools = tools.Count > 0;
        if (toolChoice is not { ValueKind: not JsonValueKind.Null } value)
            return hasTools ? ToolChoice.Auto : ToolChoice.None;
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString() switch
            {
                "none" => ToolChoice.None,
                "auto" => hasTools ? ToolChoice.Auto : throw Invalid("tool_choice \"auto\" needs tools", "tool_choice"),
                "required" => hasTools ? ToolChoice.Required : throw Invalid("tool_choice \"required\" needs tools", "tool_choice"),
                var other => throw Invalid($"tool_choice '{other}' is not one of \"none\", \"auto\", \"required\" or a named function", "tool_choice"),
            };
        }
        string name = NamedFunction(value);
        if (!tools.Any(tool => FunctionName(tool) == name))
            throw Invalid($"tool_choice names the function '{name}', which is not among the tools", "tool_choice");
        return ToolChoice.Function(name);
    }

    /// <summary>The function's name of a tool that <see cref="ReadTools"/> accepted.</summary>
    public static string FunctionName(JsonObject tool) => tool["function"]!["name"]!.GetValue<string>(); // ReadTools checked both

    private static string NamedFunction(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Object
            && value.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "function"
            && value.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
            && function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() is { Length: > 0 } named)
        {
            return named;
        }
        throw Invalid("tool_choice must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}", "tool_choice");
    }

    private static ApiException Invalid(string message, string param) => ApiException.InvalidRequest(message, param);
}
