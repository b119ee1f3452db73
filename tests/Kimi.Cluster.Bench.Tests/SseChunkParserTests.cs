using Kimi.Cluster.Bench.Client;

namespace Kimi.Cluster.Bench.Tests;

public sealed class SseChunkParserTests
{
    [Fact]
    public void SseChunkParser_ReadsTheTextOfACompletionChunk()
    {
        var chunk = SseChunkParser.Parse(
            """data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"token_id:42","logprobs":null,"finish_reason":null}]}""");
        Assert.NotNull(chunk);
        Assert.Equal("token_id:42", chunk.Text);
        Assert.True(chunk.CarriesTokens);
        Assert.False(chunk.Done);
        Assert.Null(chunk.Error);
    }

    [Fact]
    public void SseChunkParser_ReadsUsageFromTheLastChunkWhichCarriesNoTokens()
    {
        var chunk = SseChunkParser.Parse(
            """data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":16,"completion_tokens":8,"total_tokens":24}}""");
        Assert.NotNull(chunk);
        Assert.False(chunk.CarriesTokens);
        Assert.Equal(16, chunk.PromptTokens);
        Assert.Equal(8, chunk.CompletionTokens);
    }

    [Fact]
    public void SseChunkParser_CarriesNoTokens_WhenAFinishChunkHasEmptyText()
    {
        var chunk = SseChunkParser.Parse("""data: {"choices":[{"index":0,"text":"","finish_reason":"length"}]}""");
        Assert.NotNull(chunk);
        Assert.False(chunk.CarriesTokens);
    }

    [Fact]
    public void SseChunkParser_RecognisesDoneAndInStreamErrors()
    {
        Assert.True(SseChunkParser.Parse("data: [DONE]")!.Done);
        var error = SseChunkParser.Parse("""data: {"error":{"message":"MoE layer 3 failed","type":"internal_error","param":null,"code":null}}""");
        Assert.Equal("MoE layer 3 failed", error!.Error);
        Assert.NotNull(SseChunkParser.Parse("data: {not json")!.Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData(": keep-alive")]
    [InlineData("event: message")]
    public void SseChunkParser_SkipsTheLine_WhenItHasNoData(string line) => Assert.Null(SseChunkParser.Parse(line));
}
