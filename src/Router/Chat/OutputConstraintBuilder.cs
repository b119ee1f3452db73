using System.Text.Json.Nodes;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Router.Chat;

/// <summary>
/// Builds the constraint the worker's sampler enforces for a chat request that forces a tool call
/// or asks for JSON content, in Kimi's own markup: reasoning (when the template allows it) until
/// &lt;/think&gt;, then either a tool-call section —
/// &lt;|tool_calls_section_begin|&gt; (&lt;|tool_call_begin|&gt; functions.NAME:IDX
/// &lt;|tool_call_argument_begin|&gt; ARGS &lt;|tool_call_end|&gt;)+ &lt;|tool_calls_section_end|&gt;,
/// each ARGS valid against its tool's parameters — or the JSON content; then the end of the turn.
/// </summary>
public static class OutputConstraintBuilder
{
    /// <summary>The most calls a "required" tool_choice may make in one turn when parallel calls are allowed.</summary>
    public const int MaxParallelCalls = 4;

    /// <summary>Null when nothing is forced.</summary>
    public static OutputConstraint? Build(ToolChoice choice, IReadOnlyList<JsonObject> tools, ResponseFormat format,
        ReasoningLead lead, KimiSpecialTokenIds ids, int firstCallIndex, bool parallelCalls)
    {
        ArgumentNullException.ThrowIfNull(choice);
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(ids);
        List<ConstraintStep> body;
        if (choice.ForcesCall)
        {
            var callable = choice.FunctionName is { } name ? tools.Where(tool => ToolsReader.FunctionName(tool) == name).ToList() : tools;
            int calls = choice.Mode == ToolChoiceMode.Required && parallelCalls ? MaxParallelCalls : 1;
            body = [Special(ids.ToolCallsSectionBegin), .. Calls(callable, ids, firstCallIndex, calls)];
        }
        else if (format.IsJson)
            body = [Json(format.Schema ?? "")];
        else
            return null;
        return Constraint(WithReasoning(body, lead, ids));
    }

    private static List<ConstraintStep> WithReasoning(List<ConstraintStep> body, ReasoningLead lead, KimiSpecialTokenIds ids) => lead switch
    {
        ReasoningLead.Open => [Until(ids.ThinkEnd), .. body],
        ReasoningLead.Optional => [OneOf([Special(ids.ThinkBegin), Until(ids.ThinkEnd), .. body], body)],
        _ => body,
    };

    /// <summary>One call at <paramref name="index"/>, then the section's end or (while calls remain) another call.</summary>
    private static List<ConstraintStep> Calls(IReadOnlyList<JsonObject> tools, KimiSpecialTokenIds ids, int index, int remaining)
    {
        var call = tools.Select(tool => Call(tool, ids, index)).ToList();
        List<ConstraintStep> steps = call.Count == 1 ? call[0] : [OneOf([.. call])];
        steps.Add(remaining > 1
            ? OneOf([Special(ids.ToolCallsSectionEnd)], Calls(tools, ids, index + 1, remaining - 1))
            : Special(ids.ToolCallsSectionEnd));
        return steps;
    }

    private static List<ConstraintStep> Call(JsonObject tool, KimiSpecialTokenIds ids, int index)
    {
        var parameters = tool["function"]?["parameters"];
        return
        [
            Special(ids.ToolCallBegin),
            new ConstraintStep { LiteralText = $"functions.{ToolsReader.FunctionName(tool)}:{index}" },
            Special(ids.ToolCallArgumentBegin),
            // Without parameters the arguments are still an object, as OpenAI's clients parse them.
            Json(parameters is JsonObject ? parameters.ToJsonString() : ""),
            Special(ids.ToolCallEnd),
        ];
    }

    private static OutputConstraint Constraint(IEnumerable<ConstraintStep> steps)
    {
        var constraint = new OutputConstraint();
        constraint.Steps.AddRange(steps);
        return constraint;
    }

    private static ConstraintStep OneOf(params List<ConstraintStep>[] alternatives)
    {
        var oneOf = new ConstraintAlternatives();
        oneOf.Alternatives.AddRange(alternatives.Select(Constraint));
        return new ConstraintStep { OneOf = oneOf };
    }

    private static ConstraintStep Json(string schema) => new() { Json = new JsonValueStep { Schema = schema } };

    private static ConstraintStep Special(int? id) => new() { SpecialToken = Required(id) };

    private static ConstraintStep Until(int? id) => new() { FreeTextUntil = Required(id) };

    // ChatPlanner only forces output for vocabularies that have Kimi's markers (CanConstrain).
    private static int Required(int? id) => id ?? throw new InvalidOperationException("the vocabulary lacks one of Kimi's special tokens");
}
