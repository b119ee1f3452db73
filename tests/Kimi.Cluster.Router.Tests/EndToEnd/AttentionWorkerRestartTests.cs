using System.Diagnostics;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// `local` supervises its attention workers: one that is killed is started again on its address,
/// and the router routes to it again once its probe sees it answer; requests meanwhile go to the other.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class AttentionWorkerRestartTests
{
    private static readonly TimeSpan BackTimeout = TimeSpan.FromSeconds(90);
    private static readonly int[] Prompt = [1, 17, 42, 99];

    [Fact]
    public async Task AttentionWorker_IsRestartedOnItsAddressAndServesAgain_WhenKilled()
    {
        await using var cluster = await ClusterUnderTest.StartAsync("restart", "--attention-workers", "2");
        var victim = cluster.AttentionWorkers[0];

        using (var process = Process.GetProcessById(victim.Pid))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        // Every request is served throughout: the other worker takes them while the victim is down.
        var clock = Stopwatch.StartNew();
        string restartedLine = $"The {victim.Name} restarted (pid";
        while (!cluster.Output.Contains(restartedLine, StringComparison.Ordinal))
            await ServeOneAsync(cluster, clock);
        Assert.DoesNotContain($"{restartedLine} {victim.Pid})", cluster.Output, StringComparison.Ordinal);
        // Back on its old address, where the router routes to it again once its probe sees it answer.
        Assert.Equal(6, (await GreedyReference.AtWorkerAsync(cluster, victim, Prompt, 6)).Count);
        long routedAtRestart = await RoutedAsync(cluster, 0);
        while (!await ReadyAsync(cluster, 0) || await RoutedAsync(cluster, 0) <= routedAtRestart)
            await ServeOneAsync(cluster, clock);
    }

    private static async Task ServeOneAsync(ClusterUnderTest cluster, Stopwatch clock)
    {
        Assert.True(clock.Elapsed < BackTimeout, $"the worker was not back within {BackTimeout.TotalSeconds} s:{Environment.NewLine}{cluster.Output}");
        Assert.Equal(6, GreedyReference.TokenIds(await GreedyReference.GreedyTextAsync(cluster.Http, Prompt, 6)).Count);
    }

    private static async Task<bool> ReadyAsync(ClusterUnderTest cluster, int worker)
    {
        var (_, health) = await RouterApi.GetAsync(cluster.Http, "/health");
        return (bool)health["attention_workers"]![worker]!["ready"]!;
    }

    private static async Task<long> RoutedAsync(ClusterUnderTest cluster, int worker)
    {
        var (_, health) = await RouterApi.GetAsync(cluster.Http, "/health");
        return (long)health["attention_workers"]![worker]!["routed"]!;
    }
}
