using Kimi.Cluster.Router.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kimi.Cluster.Router.Tests.Api;

public sealed class ApiErrorMiddlewareTests
{
    private static async Task<HttpContext> RunAsync(RequestDelegate next)
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        await new ApiErrorMiddleware(next, NullLogger<ApiErrorMiddleware>.Instance).InvokeAsync(context);
        return context;
    }

    [Fact]
    public async Task InvokeAsync_Returns429WithRetryAfterInWholeSeconds_WhenOverloaded()
    {
        var context = await RunAsync(_ => throw ApiException.Overloaded("full", TimeSpan.FromSeconds(2.2)));

        Assert.Equal(429, context.Response.StatusCode);
        Assert.Equal("3", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task InvokeAsync_Returns413RequestTooLarge_WhenKestrelsBodyLimitIsHit()
    {
        var context = await RunAsync(_ => throw new BadHttpRequestException("Request body too large.", 413));

        Assert.Equal(413, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        string body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Contains("\"code\":\"request_too_large\"", body, StringComparison.Ordinal);
    }
}
