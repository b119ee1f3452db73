namespace Kimi.Cluster.Text.Tests.Parsing;

public sealed class ReasoningParsingTests
{
    [Fact]
    public void Parse_GivesOnlyReasoning_WhenThePromptOpenedThinkingAndTheOutputIsCutOff()
    {
        var output = ParsingAssert.Parse("Let me think about < and | here.", startsInReasoning: true);
        Assert.Equal("Let me think about < and | here.", output.ReasoningContent);
        Assert.Equal("", output.Content);
        Assert.Empty(output.ToolCalls);
    }

    [Theory]
    [InlineData("<think>plan it</think>Hi")]
    [InlineData("\n<think>plan it</think>Hi")]
    public void Parse_DropsALeadingThinkTag_WhenThePromptAlreadyOpenedThinking(string text)
    {
        var output = ParsingAssert.Parse(text, startsInReasoning: true);
        Assert.Equal("plan it", output.ReasoningContent);
        Assert.Equal("Hi", output.Content);
    }

    [Theory]
    [InlineData(" plan <think> it", " plan <think> it")]
    [InlineData("<thin", "<thin")]
    [InlineData("  ", "  ")]
    public void Parse_KeepsTextThatOnlyLooksLikeTheTag_WhenThePromptAlreadyOpenedThinking(string text, string reasoning)
    {
        var output = ParsingAssert.Parse(text, startsInReasoning: true);
        Assert.Equal(reasoning, output.ReasoningContent);
        Assert.Equal("", output.Content);
    }

    [Fact]
    public void Parse_KeepsTheWhitespaceAfterTheEndOfThinking_WhenReasoningIsFollowedByContent()
    {
        var output = ParsingAssert.Parse("plan it</think>\n\nThe answer is 42.", startsInReasoning: true);
        Assert.Equal("plan it", output.ReasoningContent);
        Assert.Equal("\n\nThe answer is 42.", output.Content);
    }

    [Fact]
    public void Parse_OpensReasoningAndDropsTheWhitespaceBeforeIt_WhenAThinkTagIsAtTheStart()
    {
        var output = ParsingAssert.Parse(" \n<think>hmm</think>Hi");
        Assert.Equal("hmm", output.ReasoningContent);
        Assert.Equal("Hi", output.Content);
    }

    [Fact]
    public void Parse_GivesAnEmptyStringNotNull_WhenTheReasoningBlockIsEmpty()
    {
        Assert.Equal("", ParsingAssert.Parse("<think></think>Hi").ReasoningContent);
        Assert.Equal("", ParsingAssert.Parse("</think>Hi", startsInReasoning: true).ReasoningContent);
    }

    [Fact]
    public void Parse_GivesNullReasoningAndKeepsThinkTagsNotAtTheStart_WhenThereIsOnlyContent()
    {
        var output = ParsingAssert.Parse("  Hello <think> </think> <thi");
        Assert.Null(output.ReasoningContent);
        Assert.Equal("  Hello <think> </think> <thi", output.Content);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("<thi")]
    [InlineData("  <think")]
    public void Parse_GivesContent_WhenTheOutputMightHaveOpenedReasoningButDidNot(string text)
    {
        var output = ParsingAssert.Parse(text);
        Assert.Null(output.ReasoningContent);
        Assert.Equal(text, output.Content);
    }

    [Fact]
    public void Parse_MakesEverythingReasoning_WhenTheThinkTagIsUnclosed()
    {
        var output = ParsingAssert.Parse("<think>still going");
        Assert.Equal("still going", output.ReasoningContent);
        Assert.Equal("", output.Content);
    }

    [Fact]
    public void Parse_EndsReasoningThatWasNeverClosed_WhenAToolSectionStarts()
    {
        var output = ParsingAssert.Parse(
            "I should look it up<|tool_calls_section_begin|><|tool_call_begin|>functions.search:0<|tool_call_argument_begin|>{\"q\":\"x\"}<|tool_call_end|><|tool_calls_section_end|>",
            startsInReasoning: true);
        Assert.Equal("I should look it up", output.ReasoningContent);
        Assert.Equal("", output.Content);
        Assert.Equal("search", Assert.Single(output.ToolCalls).Name);
    }
}
