using System.Text.Json.Nodes;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Text.Chat;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Router.Chat;

/// <summary>
/// Decides whether a chat request's output is constrained (a forced tool call, JSON content) and
/// refuses, naming the field, what cannot be enforced: a schema keyword the matcher lacks, a
/// partial assistant message to continue, ignore_eos (a constrained output must end), a
/// vocabulary without Kimi's markers. A forced call wins over response_format: it has no content.
/// </summary>
public static class ChatConstraints
{
    public static OutputConstraint? Plan(ChatCompletionRequest request, IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject> tools,
        ToolChoice toolChoice, ResponseFormat format, KimiSpecialTokenIds ids, ReasoningLead lead)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(messages);
        if (!toolChoice.ForcesCall && !format.IsJson)
            return null;
        string param = toolChoice.ForcesCall ? "tool_choice" : "response_format";
        if (messages[^1].Partial)
            throw ApiException.InvalidRequest($"{param} cannot constrain the continuation of a partial assistant message", param);
        if (request.IgnoreEos == true)
            throw ApiException.InvalidRequest($"ignore_eos cannot be combined with {param}: a constrained output ends when it is complete", "ignore_eos");
        if (!HasMarkers(ids, lead))
            throw ApiException.InvalidRequest($"this model's tokenizer lacks Kimi's tool-call or thinking markers, so {param} cannot be enforced", param);
        if (toolChoice.ForcesCall)
            CheckToolSchemas(tools, toolChoice);
        int firstCallIndex = messages.Sum(message => message.ToolCalls?.Count ?? 0);
        return OutputConstraintBuilder.Build(toolChoice, tools, format, lead, ids, firstCallIndex, request.ParallelToolCalls ?? true);
    }

    private static void CheckToolSchemas(IReadOnlyList<JsonObject> tools, ToolChoice toolChoice)
    {
        for (int i = 0; i < tools.Count; i++)
        {
            if (toolChoice.FunctionName is { } name && ToolsReader.FunctionName(tools[i]) != name)
                continue;
            if (tools[i]["function"]?["parameters"] is JsonObject parameters)
            {
                using var document = System.Text.Json.JsonDocument.Parse(parameters.ToJsonString());
                ResponseFormatReader.CheckEnforceable(document.RootElement, $"tools[{i}].function.parameters", "tools");
            }
        }
    }

    private static bool HasMarkers(KimiSpecialTokenIds ids, ReasoningLead lead) =>
        ids.ToolCallsSectionBegin is not null && ids.ToolCallsSectionEnd is not null && ids.ToolCallBegin is not null
        && ids.ToolCallArgumentBegin is not null && ids.ToolCallEnd is not null
        && (lead == ReasoningLead.None || (ids.ThinkBegin is not null && ids.ThinkEnd is not null));
}
