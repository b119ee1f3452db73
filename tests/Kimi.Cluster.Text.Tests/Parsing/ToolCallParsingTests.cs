using Kimi.Cluster.Text.Parsing;

namespace Kimi.Cluster.Text.Tests.Parsing;

public sealed class ToolCallParsingTests
{
    private const string Begin = "<|tool_calls_section_begin|>";
    private const string End = "<|tool_calls_section_end|>";

    private static string Call(string id, string arguments) =>
        $"<|tool_call_begin|>{id}<|tool_call_argument_begin|>{arguments}<|tool_call_end|>";

    [Fact]
    public void Parse_GivesASingleCall_WhenItFollowsReasoning()
    {
        var output = ParsingAssert.Parse(
            $"Weather needed.</think>{Begin}{Call("functions.get_weather:0", "{\"city\": \"Paris\"}")}{End}",
            startsInReasoning: true);
        Assert.Equal("Weather needed.", output.ReasoningContent);
        Assert.Equal("", output.Content);
        Assert.Equal([new ParsedToolCall("functions.get_weather:0", "get_weather", "{\"city\": \"Paris\"}")], output.ToolCalls);
    }

    [Fact]
    public void Parse_GivesMultipleCallsInOrder_WhenContentIsBeforeAndAfterThem()
    {
        var output = ParsingAssert.Parse(
            $"Checking both.\n{Begin}{Call("functions.a.b-c_d:0", "{}")}{Call("functions.lookup:1", "{\"k\":[1,2]}")}{End}\nDone.");
        Assert.Null(output.ReasoningContent);
        Assert.Equal("Checking both.\n\nDone.", output.Content);
        Assert.Equal(
            [new ParsedToolCall("functions.a.b-c_d:0", "a.b-c_d", "{}"), new ParsedToolCall("functions.lookup:1", "lookup", "{\"k\":[1,2]}")],
            output.ToolCalls);
    }

    [Fact]
    public void Parse_ToleratesWhitespaceAndNewlinesBetweenMarkersAndAroundTheId()
    {
        var text = $"{Begin}\n <|tool_call_begin|> \n functions.run:3 \n<|tool_call_argument_begin|>\n  {{\"x\": 1}}\n\n<|tool_call_end|>\n\n{End}";
        var output = ParsingAssert.Parse(text);
        Assert.Equal("", output.Content);
        Assert.Equal([new ParsedToolCall("functions.run:3", "run", "{\"x\": 1}")], output.ToolCalls);
    }

    [Fact]
    public void Parse_KeepsWhitespaceInsideArgumentsAndTrimsItOnlyAtTheEnds()
    {
        var output = ParsingAssert.Parse($"{Begin}{Call("functions.f:0", " {\n  \"a\" : \"b c\"\n} \n")}{End}");
        Assert.Equal("{\n  \"a\" : \"b c\"\n}", Assert.Single(output.ToolCalls).Arguments);
    }

    [Fact]
    public void Parse_KeepsUnicodeAndMarkerLikeTextInArguments()
    {
        const string arguments = "{\"text\": \"héllo 世界 🙂 <|tool_ </think> a|b <\"}";
        var output = ParsingAssert.Parse($"{Begin}{Call("functions.echo:0", arguments)}{End}");
        Assert.Equal(arguments, Assert.Single(output.ToolCalls).Arguments);
    }

    [Theory]
    [InlineData("functions.get_weather:0", "get_weather")]
    [InlineData("get_weather:12", "get_weather")]
    [InlineData("functions.ns.tool:v2:7", "ns.tool:v2")]
    [InlineData("functions.no_index", "no_index")]
    public void Parse_TakesTheNameBetweenTheFunctionsPrefixAndTheLastColon(string id, string name)
    {
        var call = Assert.Single(ParsingAssert.Parse($"{Begin}{Call(id, "{}")}{End}").ToolCalls);
        Assert.Equal(new ParsedToolCall(id, name, "{}"), call);
    }

    [Fact]
    public void Parse_ContinuesTheCallIndices_WhenASecondSectionFollows()
    {
        var output = ParsingAssert.Parse($"{Begin}{Call("functions.a:0", "{}")}{End}mid{Begin}{Call("functions.b:1", "[]")}{End}");
        Assert.Equal("mid", output.Content);
        Assert.Equal(["a", "b"], output.ToolCalls.Select(c => c.Name));
    }
}
