using System.Net;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Kimi.Cluster.Router.Tests.Images;

/// <summary>
/// image_url bytes: base64 data: URLs, and http URLs fetched from a loopback server with the size
/// cap, the timeout and the switch that turns fetching off; every failure a 400 naming the part.
/// </summary>
public sealed class ImageFetcherTests : IAsyncLifetime
{
    private static readonly byte[] Image = [.. Enumerable.Range(0, 1000).Select(i => (byte)i)];
    private WebApplication _server = null!;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _server = builder.Build();
        _server.MapGet("/ok.png", () => Results.Bytes(Image, "image/png"));
        _server.MapGet("/missing.png", () => Results.NotFound());
        _server.MapGet("/redirect.png", () => Results.Redirect("/ok.png"));
        _server.MapGet("/slow.png", async (HttpContext context) =>
        {
            await context.Response.Body.WriteAsync(Image.AsMemory(0, 10));
            await context.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        });
        // No Content-Length: the cap must cut the stream, not trust a header.
        _server.MapGet("/endless.png", async (HttpContext context) =>
        {
            var chunk = new byte[4096];
            for (int i = 0; i < 1000 && !context.RequestAborted.IsCancellationRequested; i++)
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
        });
        await _server.StartAsync();
        var addresses = _server.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        _base = new Uri(addresses.Addresses.First());
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static ImageFetcher Fetcher(ImageInputOptions? options = null) => new(ImageFetcher.CreateClient(), options ?? new ImageInputOptions());

    [Fact]
    public async Task FetchAsync_DecodesABase64DataUrl()
    {
        string url = "data:image/png;base64," + Convert.ToBase64String(Image);
        Assert.Equal(Image, await Fetcher().FetchAsync(url, "messages[0].content[1]", default));
    }

    [Fact]
    public async Task FetchAsync_FetchesAnHttpUrl_FollowingARedirect()
    {
        Assert.Equal(Image, await Fetcher().FetchAsync(new Uri(_base, "/ok.png").ToString(), "p", default));
        Assert.Equal(Image, await Fetcher().FetchAsync(new Uri(_base, "/redirect.png").ToString(), "p", default));
    }

    [Theory]
    [InlineData("data:image/png,rawbytes", "must be base64")]
    [InlineData("data:image/png;base64,@@@@", "malformed")]
    [InlineData("data:image/png;base64", "needs a ','")]
    [InlineData("ftp://example.com/a.png", "data: URL or an http(s) URL")]
    [InlineData("not a url", "data: URL or an http(s) URL")]
    public async Task FetchAsync_RefusesNamingThePart_WhenTheUrlIsBad(string url, string reason)
    {
        var error = await Assert.ThrowsAsync<ApiException>(() => Fetcher().FetchAsync(url, "messages[2].content[0]", default));
        Assert.Equal((400, "messages"), (error.StatusCode, error.Param));
        Assert.StartsWith("messages[2].content[0]: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/missing.png", "HTTP 404")]
    [InlineData("/endless.png", "larger than 100000 bytes")]
    [InlineData("/slow.png", "took longer than 0.5 s")]
    public async Task FetchAsync_Refuses_WhenTheFetchFails(string path, string reason)
    {
        var fetcher = Fetcher(new ImageInputOptions { MaxImageBytes = 100_000, FetchTimeout = TimeSpan.FromSeconds(0.5) });
        var error = await Assert.ThrowsAsync<ApiException>(() => fetcher.FetchAsync(new Uri(_base, path).ToString(), "p", default));
        Assert.Equal(400, error.StatusCode);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_RefusesTooLargeInlineImages_BeforeDecodingThem()
    {
        var fetcher = Fetcher(new ImageInputOptions { MaxImageBytes = 100 });
        var error = await Assert.ThrowsAsync<ApiException>(() => fetcher.FetchAsync("data:image/png;base64," + Convert.ToBase64String(Image), "p", default));
        Assert.Contains("larger than 100 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_RefusesHttpUrls_WhenRemoteImagesAreOff()
    {
        var fetcher = Fetcher(new ImageInputOptions { AllowRemote = false });
        var error = await Assert.ThrowsAsync<ApiException>(() => fetcher.FetchAsync(new Uri(_base, "/ok.png").ToString(), "p", default));
        Assert.Contains("does not fetch images from URLs", error.Message, StringComparison.Ordinal);
        Assert.Equal(Image, await fetcher.FetchAsync("data:image/png;base64," + Convert.ToBase64String(Image), "p", default));
    }
}
