using System.Text.Json;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Chat;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Router.Tests.Chat;

/// <summary>
/// response_format and forced tool calls as the router plans them: what is refused (naming the
/// field and the keyword), and the steps the worker's sampler will be held to, in Kimi's markup.
/// </summary>
public sealed class StructuredOutputPlanningTests
{
    private static readonly KimiSpecialTokenIds Ids = new()
    {
        ToolCallsSectionBegin = 1, ToolCallsSectionEnd = 2, ToolCallBegin = 3, ToolCallArgumentBegin = 4, ToolCallEnd = 5,
        ThinkBegin = 6, ThinkEnd = 7,
    };

    [Theory]
    [InlineData(null, ResponseFormatKind.Text)]
    [InlineData("""{"type": "text"}""", ResponseFormatKind.Text)]
    [InlineData("""{"type": "json_object"}""", ResponseFormatKind.JsonObject)]
    [InlineData("""{"type": "json_schema", "json_schema": {"name": "n", "schema": {"type": "object"}, "strict": true}}""", ResponseFormatKind.JsonSchema)]
    public void ReadResponseFormat_ReadsEachType(string? json, ResponseFormatKind expected) =>
        Assert.Equal(expected, ResponseFormatReader.Read(Parse(json)).Kind);

    [Theory]
    [InlineData("""{"type": "json_schema", "json_schema": {"name": "n", "schema": {"type": "string", "pattern": "(?=a)"}}}""", "pattern")]
    [InlineData("""{"type": "json_schema", "json_schema": {"name": "n", "schema": {"properties": {"mail": {"type": "string", "format": "email"}}}}}""", "format")]
    public void ReadResponseFormat_NamesTheKeyword_WhenTheSchemaCannotBeEnforced(string json, string keyword)
    {
        var error = Assert.Throws<ApiException>(() => ResponseFormatReader.Read(Parse(json)));
        Assert.Equal("response_format", error.Param);
        Assert.Contains(keyword, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type": "json"}""")]
    [InlineData("""{"type": "json_schema"}""")]
    [InlineData("""{"type": "json_schema", "json_schema": {"schema": {}}}""")]
    [InlineData("""{"type": "json_schema", "json_schema": {"name": "n", "schema": 3}}""")]
    [InlineData("\"json_object\"")]
    public void ReadResponseFormat_IsRefused_WhenMalformed(string json) =>
        Assert.Equal("response_format", Assert.Throws<ApiException>(() => ResponseFormatReader.Read(Parse(json))).Param);

    [Fact]
    public void Build_ForJsonAfterOpenedThinking_ReasonsFreelyUntilTheEndOfThinking()
    {
        var format = new ResponseFormat(ResponseFormatKind.JsonSchema, """{"type":"object"}""");

        var constraint = OutputConstraintBuilder.Build(ToolChoice.None, [], format, ReasoningLead.Open, Ids, 0, parallelCalls: true)!;

        Assert.Equal(2, constraint.Steps.Count);
        Assert.Equal(Ids.ThinkEnd, constraint.Steps[0].FreeTextUntil);
        Assert.Equal("""{"type":"object"}""", constraint.Steps[1].Json.Schema);
    }

    [Fact]
    public void Build_ForANamedFunction_SpellsOneCallOfItAtTheConversationsNextIndex()
    {
        var tools = ToolsReader.ReadTools(Parse("""
            [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}},
             {"type": "function", "function": {"name": "g"}}]
            """));

        var constraint = OutputConstraintBuilder.Build(ToolChoice.Function("g"), tools, ResponseFormat.Text, ReasoningLead.None, Ids, 3, parallelCalls: true)!;

        Assert.Equal(
            ["special:1", "special:3", "text:functions.g:3", "special:4", "json:", "special:5", "special:2"],
            constraint.Steps.Select(Describe));
    }

    [Fact]
    public void Build_ForRequired_OffersEveryToolAndUpToTheParallelLimitOfCalls()
    {
        var tools = ToolsReader.ReadTools(Parse("""[{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "g"}}]"""));

        var constraint = OutputConstraintBuilder.Build(ToolChoice.Required, tools, ResponseFormat.Text, ReasoningLead.Optional, Ids, 0, parallelCalls: true)!;

        // Optional reasoning: with <think> … </think> first, or without.
        var alternatives = Assert.Single(constraint.Steps).OneOf.Alternatives;
        Assert.Equal(2, alternatives.Count);
        Assert.Equal(["special:6", "until:7"], alternatives[0].Steps.Take(2).Select(Describe));
        var body = alternatives[1].Steps;
        Assert.Equal("special:1", Describe(body[0]));
        int calls = 0;
        for (var steps = body.Skip(1).ToList(); ; calls++)
        {
            // A call of either tool, then the section's end or another call.
            var call = steps[0].OneOf.Alternatives;
            Assert.Equal(["text:functions.f:" + calls, "text:functions.g:" + calls], call.Select(a => Describe(a.Steps[1])));
            if (steps[1].StepCase == ConstraintStep.StepOneofCase.SpecialToken)
                break;
            var next = steps[1].OneOf.Alternatives;
            Assert.Equal("special:2", Describe(Assert.Single(next[0].Steps)));
            steps = [.. next[1].Steps];
        }
        Assert.Equal(OutputConstraintBuilder.MaxParallelCalls, calls + 1);
    }

    private static string Describe(ConstraintStep step) => step.StepCase switch
    {
        ConstraintStep.StepOneofCase.SpecialToken => $"special:{step.SpecialToken}",
        ConstraintStep.StepOneofCase.FreeTextUntil => $"until:{step.FreeTextUntil}",
        ConstraintStep.StepOneofCase.LiteralText => $"text:{step.LiteralText}",
        ConstraintStep.StepOneofCase.Json => $"json:{step.Json.Schema}",
        _ => "one_of",
    };

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
