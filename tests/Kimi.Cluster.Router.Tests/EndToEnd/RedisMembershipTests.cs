using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared.Reference;
using Orleans.Runtime;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// Two expert-worker silos meet in a real redis-server's membership table (as in Kubernetes),
/// the attention worker finds them there, and the answers do not change. SIGTERM makes a silo
/// leave the table cleanly while requests go on on the replicas.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class RedisMembershipTests
{
    private const double Tolerance = 1e-5;
    private static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(60);
    private static readonly int[][] Prompts = [[1, 17, 42, 99], [1, 5, 200, 7, 31, 64], [1, 250]];

    [Fact]
    public async Task TwoSilos_ClusterThroughRedisServeTheSameTokensAndASigtermedSiloLeavesMembership()
    {
        await using var redis = await RedisServer.TryStartAsync();
        if (redis is null)
            return;
        using var checkpoint = new TempDirectory("kimi-redis-checkpoint");
        var spec = ExpertParallelFixture.Spec;
        TinyCheckpointWriter.Write(checkpoint.Path, spec, new TinyCheckpointOptions { LmHeadGain = 3 });
        var starts = new[]
        {
            ClusterUnderTest.StartAsync("checkpoint, in process", "--model", checkpoint.Path),
            ClusterUnderTest.StartAsync("checkpoint, 2 expert workers over Redis", "--model", checkpoint.Path,
                "--expert-workers", "2", "--expert-replicas", "2", "--orleans-redis", redis.ConnectionString),
        };
        await using var inProcess = await starts[0];
        await using var cluster = await starts[1];
        await using var membership = await MembershipProbe.ConnectAsync(redis.ConnectionString);

        var hosts = await membership.HostsAsync();
        Assert.Equal(2, hosts.Count(h => h.Value == SiloStatus.Active));
        int[] moeLayers = [.. Enumerable.Range(0, spec.NumHiddenLayers).Where(spec.IsMoeLayer)];
        await PlacementChecks.AssertLoadedOncePerReplicaAsync(cluster,
            ExpertPlacementTests.ExpertTensors(spec.NRoutedExperts, moeLayers), replicas: 2, (long)spec.MoeIntermediateSize * spec.HiddenSize * 2);
        var expected = new List<GreedyCompletion>();
        foreach (int[] prompt in Prompts)
            expected.Add(await GreedyCompletion.RequestAsync(inProcess.Http, prompt));
        await AssertSameAsync(expected, cluster, "both silos");

        // Not the first-started silo only by habit: with Redis membership no silo is special.
        var victim = cluster.Experts[0];
        await Signals.TerminateAsync(victim.Pid);

        await WaitUntilLeftAsync(membership, activeLeft: 1);
        await AssertSameAsync(expected, cluster, "after one silo left");
        await WaitForOutputAsync(cluster, $"The {victim.Name} (pid {victim.Pid}) exited unexpectedly with code 0");
    }

    private static async Task AssertSameAsync(List<GreedyCompletion> expected, ClusterUnderTest cluster, string when)
    {
        var actual = await Task.WhenAll(Prompts.Select(prompt => GreedyCompletion.RequestAsync(cluster.Http, prompt)));
        for (int i = 0; i < Prompts.Length; i++)
            GreedyCompletion.AssertClose(expected[i], actual[i], Tolerance, $"{cluster.Label}, {when}, prompt {i}");
    }

    /// <summary>The stopped silo is listed ShuttingDown, Stopping or Dead, and only the other one is Active.</summary>
    private static async Task WaitUntilLeftAsync(MembershipProbe membership, int activeLeft)
    {
        var deadline = DateTime.UtcNow + LeaveTimeout;
        while (true)
        {
            string seen;
            try
            {
                var hosts = await membership.HostsAsync();
                if (hosts.Count(h => h.Value == SiloStatus.Active) == activeLeft
                    && hosts.Any(h => h.Value is SiloStatus.ShuttingDown or SiloStatus.Stopping or SiloStatus.Dead))
                    return;
                seen = string.Join(", ", hosts.Select(h => $"{h.Key} {h.Value}"));
            }
            catch (Exception error) when (error is TimeoutException or OrleansException)
            {
                // The management grain was on the leaving silo; the next call finds it elsewhere.
                seen = $"no answer ({error.Message})";
            }
            Assert.True(DateTime.UtcNow < deadline, $"membership after {LeaveTimeout.TotalSeconds} s: {seen}");
            await Task.Delay(250);
        }
    }

    private static async Task WaitForOutputAsync(ClusterUnderTest cluster, string line)
    {
        var deadline = DateTime.UtcNow + LeaveTimeout;
        while (!cluster.Output.Contains(line, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the router never logged \"{line}\"; its output:{Environment.NewLine}{cluster.Output}");
            await Task.Delay(250);
        }
    }
}
