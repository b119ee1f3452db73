using System.Diagnostics;
using Grpc.Core;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared.Reference;
using Xunit.Abstractions;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// The fault-injection suite: 64 concurrent greedy streams on `local --expert-workers 3
/// --expert-replicas 2 --attention-workers 2`, and a SIGKILL of an expert worker, of an attention
/// worker, or of both one after the other, or a SIGSTOP of an attention or an expert worker, once
/// every stream has begun; and expert workers killed one after another and restarted. Every
/// request completes with the tokens of the same streams run without a fault; each stream's
/// longest wait for a token after each fault is reported (the recovery time).
/// </summary>
[Trait("Needs", "Processes")]
[Collection(WorkerKillCollection.Name)]
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    /// <summary>64 in CI; KIMI_FAULT_STREAMS runs the suite with more (the issue's 200, say).</summary>
    private static readonly int Streams = int.TryParse(Environment.GetEnvironmentVariable("KIMI_FAULT_STREAMS"), out int streams) ? streams : 64;
    private const int MaxTokens = 200;
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(180);

    /// <summary>What happens to whom: a SIGKILL of an expert or attention worker, or a SIGSTOP of one (frozen: its connections stay open).</summary>
    public enum Victim { ExpertWorker, AttentionWorker, FrozenAttentionWorker, FrozenExpertWorker }

    public static TheoryData<Victim[]> KillSequences =>
    [
        [Victim.ExpertWorker],
        [Victim.AttentionWorker],
        [Victim.ExpertWorker, Victim.AttentionWorker],
        // 3 → 2 → 1 expert workers: the second dies while the first is still down.
        [Victim.ExpertWorker, Victim.ExpertWorker],
        [Victim.FrozenAttentionWorker],
        [Victim.FrozenExpertWorker],
    ];

    [Theory]
    [MemberData(nameof(KillSequences))]
    public async Task EveryStream_SurvivesTheKillsWithTheFaultFreeTokens(Victim[] kills)
    {
        using var checkpoint = new TempDirectory("kimi-fault-checkpoint");
        var spec = ExpertParallelFixture.Spec with { MaxPositionEmbeddings = 2048 };
        TinyCheckpointWriter.Write(checkpoint.Path, spec, new TinyCheckpointOptions { LmHeadGain = 3 });
        await using var cluster = await ClusterUnderTest.StartAsync("faults", "--model", checkpoint.Path,
            "--expert-workers", "3", "--expert-replicas", "2", "--attention-workers", "2");
        int[][] prompts = [.. Enumerable.Range(0, Streams).Select(i => new[] { 1 + i % 97, 2 + i * 7 % 89, 3 + i * 13 % 83 })];

        var faultFree = await RunAsync(cluster.Http, prompts, () => Task.CompletedTask);
        var recoveries = new List<(string Kill, TimeSpan Recovery)>();
        var clock = Stopwatch.StartNew();
        var victims = kills.Select((kill, i) => kill switch
        {
            Victim.ExpertWorker or Victim.FrozenExpertWorker => cluster.Experts[1 + i % 2],
            _ => cluster.AttentionWorkers[i % 2],
        }).ToArray();
        var faulted = await RunAsync(cluster.Http, prompts, async () =>
        {
            for (int i = 0; i < victims.Length; i++)
            {
                recoveries.Add(($"{(IsFreeze(kills[i]) ? "freeze" : "kill")} of the {victims[i].Name}", clock.Elapsed));
                // A frozen attention worker is found by its unanswered health checks, a frozen
                // expert worker by its data-plane connections' unanswered keep-alive pings.
                if (IsFreeze(kills[i]))
                    await Signals.FreezeAsync(victims[i].Pid);
                else
                    Kill(victims[i].Pid);
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        }, clock);
        for (int i = 0; i < victims.Length; i++)
        {
            if (IsFreeze(kills[i]))
                Kill(victims[i].Pid); // a frozen worker would not stop on SIGTERM
        }

        for (int i = 0; i < Streams; i++)
            Assert.True(faultFree[i].Tokens.SequenceEqual(faulted[i].Tokens), $"stream {i}: {faulted[i].Tokens.Count} tokens differ from the fault-free run");
        foreach (var (victim, killedAt) in recoveries)
        {
            // Each stream's longest wait for a token in the 10 s after the kill: how long it stalled
            // (tokens already on their way when the worker died arrive first, so the wait can come later).
            var gaps = faulted.Select(stream => stream.LongestWait(killedAt, killedAt + TimeSpan.FromSeconds(10))).Order().ToArray();
            output.WriteLine($"{victim}: streams' longest wait for a token {gaps[gaps.Length / 2].TotalMilliseconds:0} ms (median over {gaps.Length} streams), " +
                $"{gaps[^1].TotalMilliseconds:0} ms at most");
            // Well under the 60 s stall timeout: a frozen worker is found by its health checks. When
            // two expert workers die, a shard can lose every replica and is placed again once their
            // silos are declared dead, which the launcher does as soon as it sees their processes
            // exit, and a placement call the dying silo left unanswered is made again beside it
            // (PlacementView). Before both, this case stalled 8 s and 30.5 s in runs here, and over
            // the router's 60 s once in a loaded CI run.
            // A frozen expert worker keeps its sockets open: its connections' keep-alive pings (2 s
            // without a frame, then 3 s for the answer) find it, and its shards' other replicas take
            // over (17.5 s with pings after 10 s and 5 s).
            var bound = TimeSpan.FromSeconds(kills.Contains(Victim.FrozenExpertWorker) ? 12 : 30);
            Assert.True(gaps[^1] < bound, $"a stream stalled {gaps[^1].TotalSeconds:0.0} s after the {victim}");
        }
        for (int i = 0; i < victims.Length; i++)
        {
            // The launcher saw the exit: it declared the silo dead, or found Orleans had (either line).
            // The declaration goes on in the background, so its line may come after the streams end.
            if (kills[i] == Victim.ExpertWorker)
                await AssertOutputSoonContainsAsync(cluster, $"of the {victims[i].Name} dead: its process exited", victims[i].Name);
        }
    }

    /// <summary>Waits up to 20 s for <paramref name="line"/> in the router's output; failing, shows the output's last lines naming <paramref name="about"/>.</summary>
    private static async Task AssertOutputSoonContainsAsync(ClusterUnderTest cluster, string line, string about)
    {
        var waited = Stopwatch.StartNew();
        while (!cluster.Output.Contains(line, StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(20))
            await Task.Delay(200);
        var mentions = cluster.Output.Split('\n').Where(l => l.Contains(about, StringComparison.Ordinal)).TakeLast(8);
        Assert.True(cluster.Output.Contains(line, StringComparison.Ordinal), $"no \"{line}\" in the router's output; its last lines on the {about}:\n{string.Join("\n", mentions)}");
    }

    private static bool IsFreeze(Victim victim) => victim is Victim.FrozenAttentionWorker or Victim.FrozenExpertWorker;

    [Fact]
    public async Task ExpertWorkers_AreRestartedAndServeTheirShardsAgainAndNoStreamIsLost_WhenKilledOneAfterAnother()
    {
        using var checkpoint = new TempDirectory("kimi-restart-checkpoint");
        var spec = ExpertParallelFixture.Spec with { MaxPositionEmbeddings = 2048 };
        TinyCheckpointWriter.Write(checkpoint.Path, spec, new TinyCheckpointOptions { LmHeadGain = 3 });
        await using var cluster = await ClusterUnderTest.StartAsync("expert restarts", "--model", checkpoint.Path,
            "--expert-workers", "3", "--expert-replicas", "2");
        int[][] prompts = [.. Enumerable.Range(0, Streams).Select(i => new[] { 5 + i % 91, 7 + i * 11 % 79 })];
        var faultFree = await RunAsync(cluster.Http, prompts, () => Task.CompletedTask);

        // 3 → 2 workers, back to 3, and again with each of the others: every worker restarts alike
        // (the membership table lives in local's process, not on worker 0).
        foreach (var victim in new[] { cluster.Experts[2], cluster.Experts[1], cluster.Experts[0] })
        {
            var faulted = await RunAsync(cluster.Http, prompts, () =>
            {
                Kill(victim.Pid);
                return Task.CompletedTask;
            });
            for (int i = 0; i < Streams; i++)
                Assert.True(faultFree[i].Tokens.SequenceEqual(faulted[i].Tokens), $"stream {i} after the kill of the {victim.Name} differs from the fault-free run");
            var clock = Stopwatch.StartNew();
            // 3 shards × 2 replicas over 3 workers: the restarted one gets its even share of 2 back.
            int shards = await ServedShardsAsync(cluster, victim, share: 2, TimeSpan.FromSeconds(90));
            output.WriteLine($"the {victim.Name} restarted and served {shards} shard replica(s) again {clock.Elapsed.TotalSeconds:0.0} s after its streams finished");
        }
        Assert.Contains("The expert worker 2 restarted", cluster.Output, StringComparison.Ordinal);
        Assert.Contains("The expert worker 1 restarted", cluster.Output, StringComparison.Ordinal);
        Assert.Contains("The expert worker 0 restarted", cluster.Output, StringComparison.Ordinal);
    }

    /// <summary>Waits until the (restarted) worker's data plane reports at least <paramref name="share"/> loaded shards; their count.</summary>
    private static async Task<int> ServedShardsAsync(ClusterUnderTest cluster, LaunchedWorker worker, int share, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var report = await cluster.LoadReportAsync(worker, deadline: DateTime.UtcNow.AddSeconds(5));
                if (report.Shards.Count >= share)
                    return report.Shards.Count;
            }
            catch (RpcException) when (DateTime.UtcNow < deadline)
            {
                // Not back yet.
            }
            Assert.True(DateTime.UtcNow < deadline, $"the {worker.Name} did not serve {share} shards again within {timeout.TotalSeconds:0} s:{Environment.NewLine}{cluster.Output}");
            await Task.Delay(250);
        }
    }

    private static void Kill(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill();
        process.WaitForExit();
    }

    /// <summary>Runs every prompt as a stream at once; <paramref name="fault"/> runs once every stream has its first token.</summary>
    private static async Task<RecordedStream[]> RunAsync(HttpClient http, int[][] prompts, Func<Task> fault, Stopwatch? clock = null)
    {
        clock ??= Stopwatch.StartNew();
        var started = prompts.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var streams = prompts.Select((prompt, i) => StreamAsync(http, prompt, started[i], clock)).ToArray();
        await Task.WhenAll(started.Select(s => s.Task)).WaitAsync(RunTimeout);
        await fault();
        return await Task.WhenAll(streams).WaitAsync(RunTimeout);
    }

    private static async Task<RecordedStream> StreamAsync(HttpClient http, int[] prompt, TaskCompletionSource started, Stopwatch clock)
    {
        var recorded = new RecordedStream();
        await GreedyReference.StreamAsync(http, prompt, MaxTokens, tokens =>
        {
            foreach (int token in tokens)
                recorded.Add(token, clock.Elapsed);
            started.TrySetResult();
        });
        Assert.Equal(MaxTokens, recorded.Tokens.Count);
        return recorded;
    }

    /// <summary>A stream's tokens with when each arrived.</summary>
    private sealed class RecordedStream
    {
        private readonly List<TimeSpan> _arrivals = [];

        public List<int> Tokens { get; } = [];

        public void Add(int token, TimeSpan at)
        {
            Tokens.Add(token);
            _arrivals.Add(at);
        }

        /// <summary>The longest time without a token between <paramref name="from"/> and the stream's first token after <paramref name="until"/> (or its end).</summary>
        public TimeSpan LongestWait(TimeSpan from, TimeSpan until)
        {
            var longest = TimeSpan.Zero;
            var previous = from;
            foreach (var at in _arrivals.Where(at => at > from))
            {
                longest = at - previous > longest ? at - previous : longest;
                if (at > until)
                    break;
                previous = at;
            }
            return longest;
        }
    }
}
