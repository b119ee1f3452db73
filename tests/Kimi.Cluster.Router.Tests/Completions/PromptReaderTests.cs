using System.Text.Json;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Completions;
using Kimi.Cluster.Router.Text;

namespace Kimi.Cluster.Router.Tests.Completions;

public sealed class PromptReaderTests
{
    [Theory]
    [InlineData("[1,2,3]")]
    [InlineData("[[1,2,3]]")]
    public void Read_ReadsTokenIds(string json) =>
        Assert.Equal([1, 2, 3], PromptReader.Read(Parse(json), ModelText.TokenIdsOnly));

    [Theory]
    [InlineData("\"hello\"")]
    [InlineData("[\"hello\"]")]
    public void Read_RefusesText_WhenThereIsNoTokenizer(string json)
    {
        var error = Assert.Throws<ApiException>(() => PromptReader.Read(Parse(json), ModelText.TokenIdsOnly));

        Assert.Equal(400, error.StatusCode);
        Assert.Equal("prompt", error.Param);
        Assert.Contains("no tokenizer", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("[[]]")]
    [InlineData("[1.5]")]
    [InlineData("[1, \"a\"]")]
    [InlineData("[[1],[2]]")]
    [InlineData("{}")]
    [InlineData("[99999999999]")]
    public void Read_RefusesOtherShapesNamingPrompt(string json)
    {
        var error = Assert.Throws<ApiException>(() => PromptReader.Read(Parse(json), ModelText.TokenIdsOnly));

        Assert.Equal("prompt", error.Param);
    }

    [Fact]
    public void Read_Refuses_WhenThePromptIsMissing() =>
        Assert.Equal("prompt", Assert.Throws<ApiException>(() => PromptReader.Read(null, ModelText.TokenIdsOnly)).Param);

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
