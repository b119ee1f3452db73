namespace Kimi.Cluster.Text.Tests.Parsing;

public sealed class UnparsedToolCallTests
{
    [Fact]
    public void Parse_DropsMarkersAndKeepsTheTextBetweenThem_WhenToolParsingIsOff()
    {
        var output = ParsingAssert.Parse(
            "Sure.<|tool_calls_section_begin|><|tool_call_begin|>functions.f:0<|tool_call_argument_begin|>{\"a\":1}<|tool_call_end|><|tool_calls_section_end|> ok",
            parseToolCalls: false);
        Assert.Null(output.ReasoningContent);
        Assert.Equal("Sure.functions.f:0{\"a\":1} ok", output.Content);
        Assert.Empty(output.ToolCalls);
    }

    [Fact]
    public void Parse_StillEndsReasoningAtASection_WhenToolParsingIsOff()
    {
        var output = ParsingAssert.Parse("think<|tool_calls_section_begin|>x<|tool_calls_section_end|>", startsInReasoning: true, parseToolCalls: false);
        Assert.Equal("think", output.ReasoningContent);
        Assert.Equal("x", output.Content);
    }

    [Fact]
    public void Parse_DropsStrayCallMarkers_WhenTheyAreOutsideASection()
    {
        var output = ParsingAssert.Parse("a<|tool_call_begin|>b<|tool_call_end|>c<|tool_calls_section_end|>d");
        Assert.Equal("abcd", output.Content);
        Assert.Empty(output.ToolCalls);
    }
}
