using System.Diagnostics;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// `local --attention-workers 2`: a SIGKILL of an attention worker in the middle of its streamed
/// generations loses none of them; the router resumes each on the other worker from the tokens
/// already streamed, the client sees one uninterrupted stream, and the tokens are those of a
/// fault-free run.
/// </summary>
[Trait("Needs", "Processes")]
[Collection(WorkerKillCollection.Name)]
public sealed class AttentionWorkerResumeTests
{
    // Long enough that the victim is still generating when every stream has begun, on a machine
    // busy with other tests too: with 1000 tokens (half a second or so of decoding here) a slow
    // start of the last stream once let the victim finish its streams before the kill, so nothing
    // was resumed (the tokens were right; the resume counter stayed at 0).
    private const int MaxTokens = 4000;
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(60);
    private static readonly int[][] Prompts = [[1, 17, 42, 99], [5, 6, 7], [100, 3, 9, 27, 81], [2]];

    [Fact]
    public async Task Generations_FinishOnTheOtherWorkerWithTheFaultFreeTokens_WhenTheirAttentionWorkerIsKilled()
    {
        using var checkpoint = new TempDirectory("kimi-resume-checkpoint");
        var spec = ExpertParallelFixture.Spec with { MaxPositionEmbeddings = 4096 + 64 };
        TinyCheckpointWriter.Write(checkpoint.Path, spec, new TinyCheckpointOptions { LmHeadGain = 3 });
        await using var cluster = await ClusterUnderTest.StartAsync("resume", "--model", checkpoint.Path, "--attention-workers", "2");
        var survivor = cluster.AttentionWorkers[1];
        var expected = await Task.WhenAll(Prompts.Select(prompt => GreedyReference.AtWorkerAsync(cluster, survivor, prompt, MaxTokens)));

        var firstTokens = Prompts.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var running = Prompts.Select((prompt, i) => StreamAsync(cluster.Http, prompt, firstTokens[i])).ToArray();
        // Every stream has begun (half of them on the victim), none can have finished.
        await Task.WhenAll(firstTokens.Select(first => first.Task)).WaitAsync(StreamTimeout);
        // Else the scenario below would not be the one this test is about (and would not resume).
        Assert.False(running.Any(stream => stream.IsCompleted), "a stream finished before the kill: none may have, for the kill to land mid-generation");
        using (var victim = Process.GetProcessById(cluster.AttentionWorkers[0].Pid))
        {
            victim.Kill();
            await victim.WaitForExitAsync();
        }
        var results = await Task.WhenAll(running);

        for (int i = 0; i < Prompts.Length; i++)
        {
            var tokens = results[i];
            Assert.True(expected[i].SequenceEqual(tokens),
                $"prompt {i}: {tokens.Count} tokens, first difference at {FirstDifference(expected[i], tokens)}");
        }
        // The victim's generations were resumed, not finished before it died.
        string metrics = await cluster.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Matches(@"(?m)^kimi_resumes_total(\{[^}]*\})? [1-9]", metrics);
    }

    /// <summary>A streamed greedy completion's tokens; <paramref name="firstToken"/> completes when its first tokens arrive.</summary>
    private static Task<List<int>> StreamAsync(HttpClient http, int[] prompt, TaskCompletionSource firstToken) =>
        GreedyReference.StreamAsync(http, prompt, MaxTokens, _ => firstToken.TrySetResult());

    private static int FirstDifference(List<int> expected, List<int> actual) =>
        Enumerable.Range(0, Math.Min(expected.Count, actual.Count)).FirstOrDefault(i => expected[i] != actual[i], Math.Min(expected.Count, actual.Count));
}
