using System.Net;
using Kimi.Cluster.Router.Api;

namespace Kimi.Cluster.Router.Images;

/// <summary>
/// The bytes behind an image_url: a base64 data: URL decoded in place, or an http(s) URL fetched
/// with the size cap and the timeout of <see cref="ImageInputOptions"/>. Every failure is a 400
/// naming the content part, with why.
/// </summary>
public sealed class ImageFetcher(HttpClient http, ImageInputOptions options)
{
    public ImageInputOptions Options { get; } = options;

    /// <summary>A client for fetching images: a few redirects, no cookies, nothing cached.</summary>
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 3,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    { Timeout = Timeout.InfiniteTimeSpan }; // each fetch has its own, below

    /// <summary>The encoded image of <paramref name="url"/>; <paramref name="at"/> names the part in errors.</summary>
    public async Task<byte[]> FetchAsync(string url, string at, CancellationToken cancellation)
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            return DecodeDataUrl(url, at);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw Invalid(at, "image_url.url must be a data: URL or an http(s) URL");
        if (!Options.AllowRemote)
            throw Invalid(at, "this server does not fetch images from URLs; send the image inline as a base64 data: URL");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(Options.FetchTimeout);
        try
        {
            using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
                throw Invalid(at, $"fetching the image failed: HTTP {(int)response.StatusCode} from {uri.Host}");
            if (response.Content.Headers.ContentLength > Options.MaxImageBytes)
                throw TooLarge(at);
            return await ReadCappedAsync(response.Content, at, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw Invalid(at, $"fetching the image took longer than {Options.FetchTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw Invalid(at, $"fetching the image failed: {e.Message}");
        }
    }

    private async Task<byte[]> ReadCappedAsync(HttpContent content, string at, CancellationToken cancellation)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellation);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellation)) > 0)
        {
            // A server that sends no length (or a wrong one) is cut off at the cap, not read to the end.
            if (buffer.Length + read > Options.MaxImageBytes)
                throw TooLarge(at);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private byte[] DecodeDataUrl(string url, string at)
    {
        int comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
            throw Invalid(at, "a data: URL needs a ',' before its data");
        string header = url[5..comma];
        if (!header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            throw Invalid(at, "a data: URL image must be base64 (data:image/png;base64,...)");
        var data = url.AsSpan(comma + 1);
        // Base64 is 4 characters per 3 bytes: refuse by length before decoding anything.
        if ((long)data.Length / 4 * 3 > Options.MaxImageBytes + 3)
            throw TooLarge(at);
        var bytes = new byte[data.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64Chars(data, bytes, out int written))
            throw Invalid(at, "the data: URL's base64 is malformed");
        if (written > Options.MaxImageBytes)
            throw TooLarge(at);
        return bytes[..written];
    }

    private ApiException TooLarge(string at) => Invalid(at, $"the image is larger than {Options.MaxImageBytes} bytes (--max-image-bytes)");

    private static ApiException Invalid(string at, string reason) => ApiException.InvalidRequest($"{at}: {reason}", "messages");
}
