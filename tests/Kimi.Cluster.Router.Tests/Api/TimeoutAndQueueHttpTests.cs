using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.Api;

/// <summary>The router in process in front of a fake worker that stalls: the request timeout and the router's queue over HTTP.</summary>
public sealed class TimeoutAndQueueHttpTests : IAsyncLifetime
{
    private FakeAttentionWorker _worker = null!;
    private InProcessRouter _router = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _worker = await FakeAttentionWorker.StartAsync();
        var options = new RouterHostOptions([_worker.Address], "127.0.0.1", 0)
        {
            Limits = new RouterLimits { RequestTimeout = TimeSpan.FromSeconds(1), MaxConcurrentRequests = 1, MaxQueuedRequests = 0 },
        };
        _router = await InProcessRouter.StartAsync(options);
        _http = new HttpClient { BaseAddress = _router.Addresses[0] };
        // A first request pays the router's and the worker's compilation and connection set-up,
        // which on a busy two-core machine took past the 1 s timeout before the streamed test's
        // first token came: the tests time their requests after a plain and a streamed one.
        await RouterApi.PostAsync(_http, "/v1/completions", new { prompt = new[] { 1, 2 }, max_tokens = 1 });
        await RouterApi.PostStreamAsync(_http, "/v1/completions", new { prompt = new[] { 1, 2 }, max_tokens = 1, stream = true });
        // The one request slot is free again before a test takes it.
        while ((int)(await RouterApi.GetAsync(_http, "/health")).Body["attention_workers"]![0]!["in_flight"]! != 0)
            await Task.Delay(10);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _router.DisposeAsync();
        await _worker.DisposeAsync();
    }

    [Fact]
    public async Task Completions_Returns504_WhenANonStreamedGenerationRunsPastTheTimeout()
    {
        _worker.Behavior = FakeBehavior.Hang;

        var (status, body) = await RouterApi.PostAsync(_http, "/v1/completions", new { prompt = new[] { 1, 2 }, max_tokens = 4 });

        RouterApi.AssertError(status, body, 504, null);
        Assert.Equal("request_timeout", (string?)body["error"]!["code"]);
    }

    [Fact]
    public async Task Completions_EndsWithAnErrorFrameAndDone_WhenAStreamedGenerationRunsPastTheTimeout()
    {
        _worker.Behavior = FakeBehavior.OneTokenThenHang;

        var frames = await RouterApi.PostStreamAsync(_http, "/v1/completions", new { prompt = new[] { 1, 2 }, max_tokens = 4, stream = true });

        Assert.Contains("token_id:1", frames[0], StringComparison.Ordinal);
        Assert.Contains("\"code\":\"request_timeout\"", frames[^2], StringComparison.Ordinal);
        Assert.Equal("[DONE]", frames[^1]);
    }

    [Fact]
    public async Task Completions_Returns429WithRetryAfter_WhenBeyondTheRoutersQueue()
    {
        _worker.Behavior = FakeBehavior.Hang;
        var running = RouterApi.PostAsync(_http, "/v1/completions", new { prompt = new[] { 1, 2 }, max_tokens = 4 });
        var health = await RouterApi.GetAsync(_http, "/health");
        while ((int)health.Body["attention_workers"]![0]!["in_flight"]! == 0)
            health = await RouterApi.GetAsync(_http, "/health");

        using var response = await _http.PostAsync("/v1/completions", new StringContent("""{"prompt":[3],"max_tokens":1}""", System.Text.Encoding.UTF8, "application/json"));
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(429, (int)response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
        Assert.Contains("\"type\":\"rate_limit_error\"", body, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"queue_full\"", body, StringComparison.Ordinal);
        Assert.Equal(504, (await running).Status);
    }
}
