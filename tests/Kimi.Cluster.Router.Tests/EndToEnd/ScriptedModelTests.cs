using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// The scripted model really is a bigram table that follows its script, through the router, the
/// attention worker and two expert workers: the ground the chat API tests stand on.
/// </summary>
[Trait("Needs", "Processes")]
[Collection(ScriptedClusterCollection.Name)]
public sealed class ScriptedModelTests(ScriptedClusterFixture cluster)
{
    [Fact]
    public async Task GreedyCompletion_IsExactlyTheScriptAfterTheTrigger()
    {
        int[] prompt = [ScriptedModel.BosId, 72, 105, 33, ScriptedModel.ThinkId, ScriptedModel.TriggerId];

        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/completions", new
        {
            prompt, max_tokens = 13, temperature = 0, ignore_eos = false, return_tokens_as_token_ids = true,
        });

        Assert.True(status == 200, body.ToJsonString());
        var choice = body["choices"]![0]!;
        var generated = GreedyReference.TokenIds((string)choice["text"]!);
        Assert.Equal(ScriptedModel.Script, generated);
        Assert.Equal("stop", (string?)choice["finish_reason"]);
    }

    [Fact]
    public async Task CompletionText_DecodesTheScriptTokensThroughTheModelsTokenizerFiles()
    {
        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/completions", new
        {
            prompt = new[] { ScriptedModel.BosId, ScriptedModel.TriggerId }, max_tokens = 13, temperature = 0,
        });

        Assert.True(status == 200, body.ToJsonString());
        // Special tokens are left out of completion text; the four script tokens read as their strings.
        Assert.Equal(ScriptedModel.Reasoning + ScriptedModel.Content + ScriptedModel.ToolCallId + ScriptedModel.Arguments,
            (string?)body["choices"]![0]!["text"]);
    }
}
