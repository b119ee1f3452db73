using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Generation;

namespace Kimi.Cluster.Router.Tests.Generation;

public sealed class ContextWindowTests
{
    [Fact]
    public void MaxTokens_GivesTheCompletionTheRestOfTheContext_WhenNoneIsRequested() =>
        Assert.Equal(412u, ContextWindow.MaxTokens(null, 100, 512, "messages"));

    [Fact]
    public void MaxTokens_RefusesInVllmsWords_WhenTheCompletionDoesNotFit()
    {
        var error = Assert.Throws<ApiException>(() => ContextWindow.MaxTokens(500, 100, 512, "messages"));

        Assert.Equal((400, "messages"), (error.StatusCode, error.Param));
        Assert.Equal("This model's maximum context length is 512 tokens. However, you requested 600 tokens " +
            "(100 in the messages, 500 in the completion). Please reduce the length of the messages or completion.", error.Message);
    }

    [Fact]
    public void MaxTokens_LeavesNoRoomAndRefuses_WhenThePromptFillsTheContext() =>
        Assert.Throws<ApiException>(() => ContextWindow.MaxTokens(null, 512, 512, "messages"));
}
