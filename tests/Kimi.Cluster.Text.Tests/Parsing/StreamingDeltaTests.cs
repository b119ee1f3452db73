using Kimi.Cluster.Text.Parsing;

namespace Kimi.Cluster.Text.Tests.Parsing;

public sealed class StreamingDeltaTests
{
    private static readonly OutputParserOptions Tools = new() { ParseToolCalls = true };

    [Fact]
    public void Push_HoldsBackAPossibleMarkerStartUntilItIsResolved()
    {
        var parser = new StreamingOutputParser(new OutputParserOptions { StartsInReasoning = true });
        Assert.Equal("abc", parser.Push("abc</thi").Reasoning);
        var delta = parser.Push("nk>x");
        Assert.Null(delta.Reasoning);
        Assert.Equal("x", delta.Content);
        Assert.Null(parser.Push("<|").Content);
        Assert.Equal("<|y", parser.Push("y").Content);
    }

    [Fact]
    public void Push_AnnouncesACallAtTheArgumentMarkerAndStreamsItsArguments()
    {
        var parser = new StreamingOutputParser(Tools);
        Assert.True(parser.Push("<|tool_calls_section_begin|><|tool_call_begin|> functions.f:0 ").IsEmpty);
        var header = Assert.Single(parser.Push("<|tool_call_argument_begin|>").ToolCalls);
        Assert.Equal(new ToolCallDelta(0, "functions.f:0", "f", null), header);
        Assert.Equal("{\"a\":", Assert.Single(parser.Push(" {\"a\": ").ToolCalls).ArgumentsFragment);
        Assert.Equal(" 1}", Assert.Single(parser.Push("1}\n").ToolCalls).ArgumentsFragment);
        Assert.True(parser.Push("<|tool_call_end|>").IsEmpty);
        Assert.True(parser.Finish().IsEmpty);
    }

    [Fact]
    public void Push_HoldsLeadingWhitespaceUntilItIsKnownNotToOpenReasoning()
    {
        var parser = new StreamingOutputParser(Tools);
        Assert.True(parser.Push(" \n").IsEmpty);
        Assert.True(parser.Push("<th").IsEmpty);
        Assert.Equal(" \n<thx", parser.Push("x").Content);
    }

    [Fact]
    public void Finish_FlushesHeldTextAndThenRefusesMore()
    {
        var parser = new StreamingOutputParser(Tools);
        Assert.Equal("a", parser.Push("a<|tool_call").Content);
        Assert.Equal("<|tool_call", parser.Finish().Content);
        Assert.Throws<InvalidOperationException>(() => parser.Push("b"));
    }
}
