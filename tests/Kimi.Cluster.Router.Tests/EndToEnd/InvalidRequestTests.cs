using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

[Trait("Needs", "Processes")]
[Collection(ClusterCollection.Name)]
public sealed class InvalidRequestTests(RouterClusterFixture cluster)
{
    [Fact]
    public async Task Completions_EncodesATextPromptWithTheBuiltInModelsTokenizer()
    {
        var (status, body) = await RouterApi.PostAsync(cluster.Http, "/v1/completions", new { prompt = "Hello, world", max_tokens = 2 });

        Assert.True(status == 200, body.ToJsonString());
        Assert.InRange((int)body["usage"]!["prompt_tokens"]!, 1, "Hello, world".Length);
    }

    [Theory]
    [InlineData("""{"prompt":[1,2],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"prompt":[1,2],"max_tokens":-3}""", "max_tokens")]
    [InlineData("""{"prompt":[1,2],"max_tokens":100000}""", "max_tokens")]
    [InlineData("""{"prompt":[1,2],"max_tokens":"many"}""", "max_tokens")]
    [InlineData("""{"prompt":[1,2],"temperature":-0.5}""", "temperature")]
    [InlineData("""{"prompt":[1,2],"top_p":0}""", "top_p")]
    [InlineData("""{"prompt":[1,2],"top_p":1.5}""", "top_p")]
    [InlineData("""{"prompt":[1,2],"top_k":-2}""", "top_k")]
    [InlineData("""{"prompt":[1,2],"logprobs":21}""", "logprobs")]
    [InlineData("""{"prompt":[1,2],"logprobs":-1}""", "logprobs")]
    [InlineData("""{"prompt":[1,2],"n":0}""", "n")]
    [InlineData("""{"prompt":[1,2],"echo":true}""", "echo")]
    [InlineData("""{"prompt":[1,2],"stop":["a","b","c","d","e"]}""", "stop")]
    [InlineData("""{"prompt":[1,2],"stop_token_ids":[-1]}""", "stop_token_ids")]
    [InlineData("""{"prompt":[]}""", "prompt")]
    [InlineData("""{"prompt":[1,9999999]}""", "prompt")]
    [InlineData("""{"prompt":[[1,2],[3,4]]}""", "prompt")]
    [InlineData("""{"max_tokens":4}""", "prompt")]
    public async Task Completions_Returns400NamingTheParam_WhenAFieldIsInvalid(string json, string param)
    {
        var (status, body) = await RouterApi.PostRawAsync(cluster.Http, "/v1/completions", json);

        RouterApi.AssertError(status, body, 400, param);
    }

    [Fact]
    public async Task Completions_Returns400_WhenTheJsonIsMalformed()
    {
        var (status, body) = await RouterApi.PostRawAsync(cluster.Http, "/v1/completions", """{"prompt": [1, 2""");

        Assert.Equal(400, status);
        Assert.Equal("invalid_request_error", (string?)body["error"]!["type"]);
    }
}
