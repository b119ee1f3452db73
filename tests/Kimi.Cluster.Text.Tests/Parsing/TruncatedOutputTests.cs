using Kimi.Cluster.Text.Parsing;

namespace Kimi.Cluster.Text.Tests.Parsing;

public sealed class TruncatedOutputTests
{
    private const string Complete = "<|tool_calls_section_begin|><|tool_call_begin|>functions.a:0<|tool_call_argument_begin|>{\"x\":1}<|tool_call_end|>";

    [Fact]
    public void Parse_KeepsTheCallWithTheArgumentsSoFar_WhenCutInsideTheArguments()
    {
        var output = ParsingAssert.Parse($"{Complete}<|tool_call_begin|>functions.b:1<|tool_call_argument_begin|>{{\"y\": \"ab  ");
        Assert.Equal("", output.Content);
        Assert.Equal(
            [new ParsedToolCall("functions.a:0", "a", "{\"x\":1}"), new ParsedToolCall("functions.b:1", "b", "{\"y\": \"ab")],
            output.ToolCalls);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<|tool_call_begin|>")]
    [InlineData("<|tool_call_begin|>functions.b")]
    [InlineData("<|tool_call_begin|>functions.b:1<|tool_call_argu")]
    [InlineData("<|tool_calls_sec")]
    public void Parse_KeepsTheCompleteCallsAndLeaksNothing_WhenCutBeforeTheNextCallHasAnId(string tail)
    {
        var output = ParsingAssert.Parse(Complete + tail);
        Assert.Equal("", output.Content);
        Assert.Equal([new ParsedToolCall("functions.a:0", "a", "{\"x\":1}")], output.ToolCalls);
    }

    [Fact]
    public void Parse_DropsTheCall_WhenItHasNoArgumentMarker()
    {
        var output = ParsingAssert.Parse("<|tool_calls_section_begin|><|tool_call_begin|>functions.a:0 {}<|tool_call_end|><|tool_calls_section_end|>after");
        Assert.Equal("after", output.Content);
        Assert.Empty(output.ToolCalls);
    }

    [Theory]
    [InlineData("  ")]
    [InlineData("functions.:0")]
    public void Parse_DropsTheCallWithItsArguments_WhenItsNameIsEmpty(string id)
    {
        var output = ParsingAssert.Parse(
            $"<|tool_calls_section_begin|><|tool_call_begin|>{id}<|tool_call_argument_begin|>{{\"q\":1}}<|tool_call_end|><|tool_call_begin|>functions.ok:1<|tool_call_argument_begin|>{{}}<|tool_call_end|><|tool_calls_section_end|>");
        Assert.Equal("", output.Content);
        Assert.Equal([new ParsedToolCall("functions.ok:1", "ok", "{}")], output.ToolCalls);
    }

    [Fact]
    public void Parse_ClosesTheCall_WhenASectionEndOrNewCallIsInsideItsArguments()
    {
        var output = ParsingAssert.Parse(
            "<|tool_calls_section_begin|><|tool_call_begin|>functions.a:0<|tool_call_argument_begin|>{\"x\" <|tool_call_begin|>functions.b:1<|tool_call_argument_begin|>[1] <|tool_calls_section_end|> tail");
        Assert.Equal(" tail", output.Content);
        Assert.Equal([new ParsedToolCall("functions.a:0", "a", "{\"x\""), new ParsedToolCall("functions.b:1", "b", "[1]")], output.ToolCalls);
    }

    [Fact]
    public void Parse_DropsStrayText_WhenItIsBetweenCallsInASection()
    {
        var output = ParsingAssert.Parse($"{Complete} stray words <|tool_calls_section_end|>");
        Assert.Equal("", output.Content);
        Assert.Single(output.ToolCalls);
    }

    [Fact]
    public void Parse_KeepsAPartialMarkerAsContent_WhenItIsAtTheVeryEndOfContent()
    {
        Assert.Equal("text <|tool_calls_sec", ParsingAssert.Parse("text <|tool_calls_sec").Content);
    }
}
