using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Kimi.Cluster.Bench.Tests.Support;

/// <summary>
/// A loopback HTTP/1.1 peer that answers one request per connection and then closes it while its
/// response still says keep-alive, as a server dropping kept-alive connections under load does.
/// Serves /v1/models and streamed /v1/completions (max_tokens chunks, usage, [DONE]) and records
/// each request's connection and Connection header.
/// </summary>
public sealed class OneResponsePerConnectionServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    public OneResponsePerConnectionServer()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Every request served: its connection's number, its path and its Connection header ("" when absent).</summary>
    public ConcurrentQueue<(int Connection, string Path, string ConnectionHeader)> Requests { get; } = new();

    private async Task AcceptAsync()
    {
        var serving = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                serving.Add(ServeOneAsync(client, Interlocked.Increment(ref _connections)));
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        await Task.WhenAll(serving);
    }

    private async Task ServeOneAsync(TcpClient client, int connection)
    {
        using (client)
        {
            var stream = client.GetStream();
            var (path, headers, body) = await ReadRequestAsync(stream);
            Requests.Enqueue((connection, path, headers.GetValueOrDefault("connection", "")));
            bool models = path.EndsWith("/models", StringComparison.Ordinal);
            string content = models
                ? """{"object":"list","data":[{"id":"peer","object":"model","max_model_len":4096}]}"""
                : Stream(body);
            byte[] payload = Encoding.UTF8.GetBytes(content);
            string head = $"HTTP/1.1 200 OK\r\nContent-Type: {(models ? "application/json" : "text/event-stream")}\r\n" +
                $"Content-Length: {payload.Length}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5, max=100\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(payload);
            await stream.FlushAsync();
        }
    }

    private static string Stream(string body)
    {
        using var request = JsonDocument.Parse(body);
        int tokens = request.RootElement.GetProperty("max_tokens").GetInt32();
        int prompt = request.RootElement.GetProperty("prompt").GetArrayLength();
        var text = new StringBuilder();
        for (int i = 0; i < tokens; i++)
            text.Append("data: {\"choices\":[{\"index\":0,\"text\":\"t\"}]}\n\n");
        text.Append($"data: {{\"choices\":[],\"usage\":{{\"prompt_tokens\":{prompt},\"completion_tokens\":{tokens}}}}}\n\n");
        text.Append("data: [DONE]\n\n");
        return text.ToString();
    }

    private static async Task<(string Path, Dictionary<string, string> Headers, string Body)> ReadRequestAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        int headerEnd;
        while ((headerEnd = IndexOfBlankLine(received)) < 0)
        {
            int read = await stream.ReadAsync(buffer);
            if (read == 0)
                throw new IOException("the client closed the connection before sending a request");
            received.AddRange(buffer.AsSpan(0, read));
        }
        string[] lines = Encoding.ASCII.GetString(received.GetRange(0, headerEnd).ToArray()).Split("\r\n");
        var headers = lines.Skip(1)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0].Trim().ToLowerInvariant(), parts => parts[1].Trim());
        int length = headers.TryGetValue("content-length", out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        while (received.Count < headerEnd + 4 + length)
        {
            int read = await stream.ReadAsync(buffer);
            if (read == 0)
                throw new IOException("the client closed the connection in the middle of its request body");
            received.AddRange(buffer.AsSpan(0, read));
        }
        string body = Encoding.UTF8.GetString(received.GetRange(headerEnd + 4, length).ToArray());
        return (lines[0].Split(' ')[1], headers, body);
    }

    private static int IndexOfBlankLine(List<byte> bytes)
    {
        for (int i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
                return i;
        }
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
