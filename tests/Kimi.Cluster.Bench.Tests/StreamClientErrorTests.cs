using System.Net;
using System.Net.Sockets;
using Kimi.Cluster.Bench.Client;

namespace Kimi.Cluster.Bench.Tests;

public sealed class StreamClientErrorTests
{
    [Fact]
    public async Task AFailedRequest_NamesTheCause_NotOnlyHttpClientsGenericMessage()
    {
        // A loopback peer that reads the request and hangs up without answering.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var hangUp = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            int read = await client.GetStream().ReadAsync(new byte[64 * 1024]);
            Assert.True(read > 0, "the client sent nothing");
        });
        using var http = new HttpClient();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");

        var result = await new CompletionStreamClient(http, url, TimeSpan.FromSeconds(30)).SendAsync([1, 2, 3], 4, CancellationToken.None);
        await hangUp;

        Assert.False(result.Success);
        // The cause depends on when the hang-up lands (the response ended, or the write failed),
        // but it is always named after HttpClient's own message.
        Assert.Matches(@"^HttpRequestException: [^(]+ \(\w+Exception: .+\)", result.Error);
    }
}
