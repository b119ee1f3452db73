using Kimi.Cluster.Bench.Cli;
using Kimi.Cluster.Bench.Load;
using Kimi.Cluster.Bench.Tests.Support;

namespace Kimi.Cluster.Bench.Tests;

/// <summary>--warmup-prompts: requests sent before the measured run, with prompts of their own, and left out of its results.</summary>
public sealed class WarmupTests
{
    private static BenchSettings Settings(Uri url, int warmupPrompts) =>
        new(url, NumPrompts: 6, InputLen: 8, OutputLen: 5, Concurrency: 2, RequestRate: 3.5, Seed: 7, VocabSize: 512,
            TimeoutSeconds: 30, MaxDurationSeconds: 60, NewConnections: true, WarmupPrompts: warmupPrompts);

    [Fact]
    public async Task Run_SendsTheWarmupRequestsFirstAndLeavesThemOutOfTheResults()
    {
        await using var peer = new OneResponsePerConnectionServer();

        var (exitCode, result) = await RunToJson.RunAsync(Settings(peer.Url, warmupPrompts: 4));

        Assert.True(exitCode == 0, $"errors: {string.Join("; ", result.Errors)}");
        Assert.Equal(6, result.Completed);
        Assert.Equal(6 * 5, result.TotalOutputTokens);
        Assert.Equal(10, peer.Requests.Count(request => request.Path.EndsWith("/completions", StringComparison.Ordinal)));
    }

    [Fact]
    public void SettingsFor_KeepsTheRunsLengthsConcurrencyAndConnections_WithPromptsOfItsOwnSentAtOnce()
    {
        var run = Settings(new Uri("http://127.0.0.1:1/"), warmupPrompts: 3);

        var warmup = WarmupRun.SettingsFor(run)!;

        Assert.Equal((3, 8, 5, 2, true), (warmup.NumPrompts, warmup.InputLen, warmup.OutputLen, warmup.Concurrency, warmup.NewConnections));
        Assert.Null(warmup.RequestRate);
        Assert.Equal(0, warmup.WarmupPrompts);
        // No warm-up prompt shares even a first cache block (16 tokens) with a measured one.
        var measured = PromptGenerator.Generate(100, 32, 512, run.Seed);
        var warming = PromptGenerator.Generate(100, 32, 512, warmup.Seed);
        Assert.DoesNotContain(warming, prompt => measured.Any(other => prompt.Take(16).SequenceEqual(other.Take(16))));
    }

    [Fact]
    public void SettingsFor_IsNull_WhenTheRunAsksForNoWarmup() =>
        Assert.Null(WarmupRun.SettingsFor(Settings(new Uri("http://127.0.0.1:1/"), warmupPrompts: 0)));

    [Fact]
    public void Limits_RefuseANegativeWarmupNamingTheOption() =>
        Assert.Equal($"--warmup-prompts must be within 0..{BenchLimits.MaxPrompts}.",
            BenchLimits.Check(Settings(new Uri("http://127.0.0.1:1/"), warmupPrompts: -1)));

    [Fact]
    public void Run_SendsNoWarmup_ByDefault()
    {
        var parse = BenchCommand.Create().Parse(["run", "--url", "http://127.0.0.1:1", "--warmup-prompts", "12"]);
        Assert.Empty(parse.Errors);
        Assert.Equal(12, parse.GetValue<int>("--warmup-prompts"));
        Assert.Equal(0, BenchCommand.Create().Parse(["run"]).GetValue<int>("--warmup-prompts"));
    }
}
