using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Kimi.Cluster.AttentionWorker.Batching;
using Kimi.Cluster.AttentionWorker.Operations;
using Kimi.Cluster.AttentionWorker.Tests.Support;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Scheduling;
using Kimi.Cluster.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kimi.Cluster.AttentionWorker.Tests.Batching;

public sealed class GenerationBatcherTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Enqueue_JoinsTheRunningSequenceInTheNextStep_WhenRequestsArriveDuringAStep()
    {
        using var generator = new CountingBatchGenerator(startOpen: false);
        using var batcher = new GenerationBatcher(generator, BatchingOptions.Default, NullLogger<GenerationBatcher>.Instance);
        await batcher.StartAsync(CancellationToken.None);

        var first = batcher.Enqueue(Request(3), CancellationToken.None);
        Assert.True(generator.Holding.Wait(Timeout));
        var queued = Enumerable.Range(0, 3).Select(_ => batcher.Enqueue(Request(3), CancellationToken.None)).ToList();
        generator.Release();
        var results = await Task.WhenAll(queued.Prepend(first).Select(p => p.Result.WaitAsync(Timeout)));

        // Step 1 prefills the first; step 2 decodes it beside the three prefills; it finishes in
        // step 3 (3 tokens), the others in step 4.
        Assert.Equal([1, 4, 4, 3], generator.BatchSizes);
        Assert.All(results, result => Assert.Equal(3, result.Tokens.Count));
        await batcher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Enqueue_StreamsTokensOutBeforeTheResultCompletes()
    {
        using var generator = new CountingBatchGenerator();
        using var batcher = new GenerationBatcher(generator, BatchingOptions.Default, NullLogger<GenerationBatcher>.Instance);
        await batcher.StartAsync(CancellationToken.None);

        var pending = batcher.Enqueue(Request(4, stopTokenId: 13), CancellationToken.None);
        var tokens = new List<int>();
        await foreach (var token in pending.Tokens.ReadAllAsync().WithCancellation(new CancellationTokenSource(Timeout).Token))
            tokens.Add(token.TokenId);
        var result = await pending.Result.WaitAsync(Timeout);

        Assert.Equal([11, 12, 13], tokens);
        Assert.Equal(FinishReason.Stop, result.FinishReason);
        await batcher.StopAsync(CancellationToken.None);
    }

    /// <summary>The scheduler finishes sequences, and it learns the model's end-of-sequence tokens (2 here) from the batcher.</summary>
    [Theory]
    [InlineData(false, new[] { 2 }, FinishReason.Stop)]
    [InlineData(true, new[] { 2, 3, 4 }, FinishReason.Length)]
    public async Task EndOfSequenceToken_StopsTheSequenceUnlessItIsIgnored(bool ignoreEos, int[] expected, FinishReason reason)
    {
        using var generator = new CountingBatchGenerator();
        using var batcher = new GenerationBatcher(generator, BatchingOptions.Default, NullLogger<GenerationBatcher>.Instance);
        await batcher.StartAsync(CancellationToken.None);

        var request = new GenerationRequest([1], new SamplingParams { Temperature = 0, MaxTokens = 3, IgnoreEos = ignoreEos });
        var result = await batcher.Enqueue(request, CancellationToken.None).Result.WaitAsync(Timeout);

        Assert.Equal(expected, result.Tokens.Select(t => t.TokenId));
        Assert.Equal(reason, result.FinishReason);
        await batcher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Enqueue_NeverReachesTheEngine_WhenTheCallerLeftWhileQueued()
    {
        using var generator = new CountingBatchGenerator(startOpen: false);
        using var batcher = new GenerationBatcher(generator, BatchingOptions.Default, NullLogger<GenerationBatcher>.Instance);
        await batcher.StartAsync(CancellationToken.None);
        var running = batcher.Enqueue(Request(1), CancellationToken.None);
        Assert.True(generator.Holding.Wait(Timeout));

        using var gone = new CancellationTokenSource();
        var abandoned = batcher.Enqueue(Request(5), gone.Token);
        await gone.CancelAsync();
        generator.Release();

        Assert.Equal(FinishReason.Cancelled, (await abandoned.Result.WaitAsync(Timeout)).FinishReason);
        await running.Result.WaitAsync(Timeout);
        Assert.Equal([1], generator.BatchSizes);
        Assert.Equal([running.Id], generator.Added);
        await batcher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Enqueue_RefusesAFullQueueAtOnceAndARequestBeyondTheCacheForGood()
    {
        using var generator = new CountingBatchGenerator(startOpen: false);
        var options = new BatchingOptions(KvCacheTokens: 32, BlockSize: 4, MaxBatchTokens: 8, MaxRunning: 1, MaxWaiting: 1);
        using var batcher = new GenerationBatcher(generator, options, NullLogger<GenerationBatcher>.Instance);
        await batcher.StartAsync(CancellationToken.None);
        var running = batcher.Enqueue(Request(2), CancellationToken.None);
        Assert.True(generator.Holding.Wait(Timeout));
        var waiting = batcher.Enqueue(Request(2), CancellationToken.None);

        var full = Assert.Throws<AdmissionRefusedException>(() => batcher.Enqueue(Request(2), CancellationToken.None));
        var tooLong = Assert.Throws<AdmissionRefusedException>(() => batcher.Enqueue(Request(40), CancellationToken.None));

        Assert.Equal(RefusalReason.QueueFull, full.Refusal.Reason);
        Assert.Equal(RefusalReason.ExceedsCache, tooLong.Refusal.Reason);
        generator.Release();
        await Task.WhenAll(running.Result.WaitAsync(Timeout), waiting.Result.WaitAsync(Timeout));
        await batcher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task DrainAsync_RefusesNewRequestsAndCompletesOnceTheRunningOneFinishes()
    {
        using var generator = new CountingBatchGenerator(startOpen: false);
        using var batcher = new GenerationBatcher(generator, BatchingOptions.Default, NullLogger<GenerationBatcher>.Instance);
        await batcher.StartAsync(CancellationToken.None);
        var running = batcher.Enqueue(Request(3), CancellationToken.None);
        Assert.True(generator.Holding.Wait(Timeout));

        var drained = batcher.DrainAsync();
        var refused = Assert.Throws<InvalidOperationException>(() => batcher.Enqueue(Request(1), CancellationToken.None));
        Assert.False(drained.IsCompleted);
        Assert.True(batcher.IsDraining);
        generator.Release();
        var result = await running.Result.WaitAsync(Timeout);
        await drained.WaitAsync(Timeout);

        Assert.Contains("shutting down", refused.Message, StringComparison.Ordinal);
        Assert.Equal(3, result.Tokens.Count);
        await batcher.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Batcher_FailsItsRequestsWithTheirIdAndNoNativeTraceAndTheLoopGoesOn_WhenAStepFails()
    {
        const string NativeTrace = "Expected false to be true, but got false. Exception raised from toFloat at c10/core/Scalar.h:140 frame #0: c10::Error::Error";
        using var generator = new CountingBatchGenerator { FailingPromptToken = 666, StepError = new System.Runtime.InteropServices.ExternalException(NativeTrace) };
        var logger = new RecordingLogger<GenerationBatcher>();
        using var batcher = new GenerationBatcher(generator, BatchingOptions.Default, logger);
        await batcher.StartAsync(CancellationToken.None);

        var doomed = batcher.Enqueue(new GenerationRequest([666], Greedy(3)) { RequestId = "cmpl-doomed-0" }, CancellationToken.None);
        var error = await Assert.ThrowsAsync<GenerationFailedException>(() => doomed.Result.WaitAsync(Timeout));
        var afterwards = await batcher.Enqueue(Request(3), CancellationToken.None).Result.WaitAsync(Timeout);

        Assert.Contains("generation failed for request cmpl-doomed-0", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Scalar.h", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, afterwards.Tokens.Count);
        var logged = Assert.Single(logger.Entries, e => e.Error is not null);
        Assert.Contains("cmpl-doomed-0", logged.Message, StringComparison.Ordinal);
        Assert.Contains("Scalar.h", logged.Error!.Message, StringComparison.Ordinal); // selected as the entry with an error
        await batcher.StopAsync(CancellationToken.None);
    }

    private static SamplingParams Greedy(int maxTokens) => new() { Temperature = 0, MaxTokens = maxTokens };

    [Fact]
    public async Task Steps_AreTimedByPhase_WhenMetricsAreGiven()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var phases = new ConcurrentQueue<(string Phase, double Seconds)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name == "kimi.engine.step.duration")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) => phases.Enqueue(((string)tags[0].Value!, value)));
        listener.Start();
        using var generator = new CountingBatchGenerator();
        using var batcher = new GenerationBatcher(generator, BatchingOptions.Default, NullLogger<GenerationBatcher>.Instance,
            new AttentionWorkerMetrics(factory));
        await batcher.StartAsync(CancellationToken.None);

        // A three-token prompt, then two more tokens one at a time.
        await batcher.Enqueue(new GenerationRequest([10, 11, 12], new SamplingParams { Temperature = 0, MaxTokens = 3 }), CancellationToken.None)
            .Result.WaitAsync(Timeout);
        await batcher.StopAsync(CancellationToken.None);

        Assert.Equal(["prefill", "decode", "decode"], phases.Select(p => p.Phase));
        Assert.All(phases, p => Assert.True(p.Seconds >= 0));
    }

    private static GenerationRequest Request(int maxTokens, int? stopTokenId = null) =>
        new([10], new SamplingParams { Temperature = 0, MaxTokens = maxTokens, StopTokenIds = stopTokenId is int id ? [id] : [] });
}
