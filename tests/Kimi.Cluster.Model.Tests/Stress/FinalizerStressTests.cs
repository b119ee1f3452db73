using Kimi.Cluster.Model.Caching;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.Tests.Support;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Stress;

/// <summary>
/// TorchSharp frees a Scalar's native handle in its finalizer. A Scalar created implicitly for
/// one call (x + 1e-6, masked_fill(mask, -inf), arange(a, b)) becomes garbage while libtorch still
/// reads it, so a collection at the wrong moment corrupts or fails the call. Forward passes and
/// sampling run here while another thread collects and finalizes without pause: every logit
/// must come out the same as in a quiet run.
/// </summary>
public sealed class FinalizerStressTests
{
    private static readonly Lazy<LoadedModel> Tiny = new(() => LoadedModel.CreateBuiltInTiny());

    [Fact]
    public void ForwardAndSampling_GiveUnchangedResults_WhileFinalizersRunContinuously()
    {
        var model = Tiny.Value.Model;
        int[][] prompts = [.. Enumerable.Range(0, 4).Select(s => Enumerable.Range(0, 96).Select(i => (i * 31 + s * 7) % model.Config.VocabSize).ToArray())];
        var (expectedLogits, expectedTokens) = Run(model, prompts);

        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true };
        collector.Start();
        try
        {
            for (int iteration = 0; iteration < 40; iteration++)
            {
                var (logits, tokens) = Run(model, prompts);
                Assert.Equal(expectedLogits, logits);
                Assert.Equal(expectedTokens, tokens);
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
    }

    /// <summary>One batched prefill, then a sampled token per sequence (temperature, top-k/p and penalties on).</summary>
    private static (float[] Logits, int[] Tokens) Run(KimiModel model, int[][] prompts)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var caches = prompts.Select(_ => new OneSequenceCache(model.Config)).ToArray();
        try
        {
            var segments = new List<AttentionSegment>();
            int offset = 0;
            for (int i = 0; i < prompts.Length; i++)
            {
                segments.Add(new AttentionSegment(offset, prompts[i].Length, caches[i], 0));
                offset += prompts[i].Length;
            }
            var logits = model.Forward(prompts.SelectMany(p => p).ToArray(), segments);
            var sampling = new SamplingParams { Temperature = 0.7f, TopK = 50, TopP = 0.9f, Seed = 5, FrequencyPenalty = 0.5f, PresencePenalty = 0.25f, Logprobs = 3 };
            var tokens = TokenSampler.Sample(logits, [.. prompts.Select(_ => sampling)], [.. prompts.Select(_ => new SeededRandom(5))],
                [.. prompts.Select(p => (IReadOnlyDictionary<int, int>)new Dictionary<int, int> { [p[0]] = 2 })]);
            return (logits.data<float>().ToArray(), [.. tokens.Select(t => t.TokenId)]);
        }
        finally
        {
            foreach (var cache in caches)
                cache.Dispose();
        }
    }
}
