using System.Net.Http.Headers;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.Api;

/// <summary>
/// The router's HTTP limits, in process and with no worker behind it (its address refuses
/// connections): API keys, the body size limit, and health while no worker is ready.
/// </summary>
public sealed class RouterLimitsHttpTests : IAsyncLifetime
{
    private const string Key = "sk-test-key";
    private InProcessRouter _router = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var options = new RouterHostOptions([new Uri("http://127.0.0.1:1")], "127.0.0.1", 0)
        {
            Limits = new RouterLimits { ApiKeys = [Key, "sk-other"], MaxBodyBytes = 1024 },
        };
        _router = await InProcessRouter.StartAsync(options);
        _http = new HttpClient { BaseAddress = _router.Addresses[0] };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _router.DisposeAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer sk-wrong")]
    [InlineData("Basic c2stdGVzdC1rZXk=")]
    public async Task V1_Returns401WithOpenAIsBody_WhenNoValidKeyIsSent(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await _http.SendAsync(request);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        RouterApi.AssertError((int)response.StatusCode, body, 401, null);
        Assert.Equal("invalid_request_error", (string?)body["error"]!["type"]);
        Assert.Equal("invalid_api_key", (string?)body["error"]!["code"]);
        Assert.DoesNotContain("sk-wrong", (string?)body["error"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task V1Completions_PassesAndMeetsTheMissingWorker_WhenTheKeyIsValid()
    {
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-other");

        var (status, body) = await RouterApi.PostAsync(_http, "/v1/completions", new { prompt = new[] { 1, 2 } });

        RouterApi.AssertError(status, body, 503, null);
    }

    [Fact]
    public async Task V1Completions_Returns413WithOpenAIsBody_WhenTheBodyIsOverMaxBodyBytes()
    {
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        string json = $$"""{"prompt": [{{string.Join(",", Enumerable.Repeat("12345", 400))}}]}""";

        var (status, body) = await RouterApi.PostRawAsync(_http, "/v1/completions", json);

        RouterApi.AssertError(status, body, 413, null);
        Assert.Equal("request_too_large", (string?)body["error"]!["code"]);
    }

    [Fact]
    public async Task Health_StaysOpenAndListsTheWorkersNotReady()
    {
        var (status, body) = await RouterApi.GetAsync(_http, "/health");

        Assert.Equal(200, status);
        Assert.Equal("ok", (string?)body["status"]);
        var worker = Assert.Single(body["attention_workers"]!.AsArray())!;
        Assert.Equal("http://127.0.0.1:1/", (string?)worker["url"]);
        Assert.False((bool)worker["ready"]!);
    }

    [Fact]
    public async Task HealthGenerate_Returns503_WhenNoWorkerIsReady()
    {
        var (status, body) = await RouterApi.GetAsync(_http, "/health_generate");

        RouterApi.AssertError(status, body, 503, null);
        Assert.Contains("no attention worker is ready", (string?)body["error"]!["message"], StringComparison.Ordinal);
    }
}
