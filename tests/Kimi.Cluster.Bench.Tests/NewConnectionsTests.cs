using Kimi.Cluster.Bench.Cli;
using Kimi.Cluster.Bench.Load;
using Kimi.Cluster.Bench.Tests.Support;

namespace Kimi.Cluster.Bench.Tests;

/// <summary>
/// --new-connections against a peer that closes every connection after one response while saying
/// keep-alive: each request must say Connection: close and come on a connection of its own.
/// </summary>
public sealed class NewConnectionsTests
{
    [Fact]
    public async Task Run_SendsEachRequestOnItsOwnConnection_WhenAskedForNewConnections()
    {
        await using var peer = new OneResponsePerConnectionServer();
        var settings = new BenchSettings(peer.Url, NumPrompts: 12, InputLen: 8, OutputLen: 5, Concurrency: 3,
            RequestRate: null, Seed: 0, VocabSize: 512, TimeoutSeconds: 30, MaxDurationSeconds: 60, NewConnections: true);

        var (exitCode, result) = await RunToJson.RunAsync(settings);

        Assert.True(exitCode == 0, $"errors: {string.Join("; ", result.Errors)}");
        Assert.Equal(12, result.Completed);
        Assert.Equal(12 * 5, result.TotalOutputTokens);
        var completions = peer.Requests.Where(request => request.Path.EndsWith("/completions", StringComparison.Ordinal)).ToList();
        Assert.Equal(12, completions.Count);
        Assert.All(completions, request => Assert.Equal("close", request.ConnectionHeader, ignoreCase: true));
        Assert.Equal(12, completions.Select(request => request.Connection).Distinct().Count());
    }

    [Fact]
    public void Run_KeepsConnectionsAlive_ByDefault()
    {
        var parse = BenchCommand.Create().Parse(["run", "--url", "http://127.0.0.1:1"]);
        Assert.Empty(parse.Errors);
        Assert.False(parse.GetValue<bool>("--new-connections"));
    }
}
