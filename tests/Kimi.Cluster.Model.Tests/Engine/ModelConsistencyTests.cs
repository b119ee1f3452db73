using Kimi.Cluster.Model.Caching;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Engine;

/// <summary>Properties the model must have whatever its weights: cache, batching and MLA forms agree.</summary>
public sealed class ModelConsistencyTests
{
    private static readonly Lazy<LoadedModel> Tiny = new(() => LoadedModel.CreateBuiltInTiny());

    private static float[] LastLogits(KimiModel model, int[] tokens)
    {
        using var noGrad = no_grad();
        using var cache = new OneSequenceCache(model.Config);
        using var logits = model.Forward(tokens, [new AttentionSegment(0, tokens.Length, cache, 0)]);
        return logits[0].data<float>().ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"index {i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void DecodeTokenByToken_EqualsRecomputingTheWholeSequence()
    {
        var model = Tiny.Value.Model;
        int[] sequence = [3, 14, 15, 92, 65, 35, 89, 79];
        using var noGrad = no_grad();
        using var cache = new OneSequenceCache(model.Config);
        for (int length = 3; length <= sequence.Length; length++)
        {
            // Prefill the first three tokens, then feed one token a step.
            int start = length == 3 ? 0 : length - 1;
            var input = sequence[start..length];
            using var logits = model.Forward(input, [new AttentionSegment(0, input.Length, cache, cache.Length)]);
            AssertClose(LastLogits(model, sequence[..length]), logits[0].data<float>().ToArray());
        }
    }

    /// <summary>Prefills the prompts as one flattened batch, each with a fresh cache; last-token logits per prompt.</summary>
    private static float[][] BatchedLastLogits(KimiModel model, int[][] prompts)
    {
        using var noGrad = no_grad();
        var caches = prompts.Select(_ => new OneSequenceCache(model.Config)).ToArray();
        var segments = new List<AttentionSegment>();
        int offset = 0;
        for (int i = 0; i < prompts.Length; i++)
        {
            segments.Add(new AttentionSegment(offset, prompts[i].Length, caches[i], 0));
            offset += prompts[i].Length;
        }
        using var logits = model.Forward(prompts.SelectMany(p => p).ToArray(), segments);
        foreach (var cache in caches)
            cache.Dispose();
        return [.. Enumerable.Range(0, prompts.Length).Select(i => logits[i].data<float>().ToArray())];
    }

    [Fact]
    public void BatchOfDifferentLengths_GivesEachSequenceItsOwnLogits()
    {
        var model = Tiny.Value.Model;
        int[][] prompts = [[1, 2, 3, 4, 5, 6, 7], [9], [100, 200, 300]];
        var batched = BatchedLastLogits(model, prompts);
        for (int i = 0; i < prompts.Length; i++)
            AssertClose(LastLogits(model, prompts[i]), batched[i]);
    }

    [Fact]
    public void MicroBatchOverlap_DoesNotChangeTheLogits()
    {
        var model = Tiny.Value.Model;
        bool initial = model.MicroBatchOverlap;
        int[][] prompts = [[1, 2, 3, 4, 5, 6, 7], [9], [100, 200, 300], [42, 43]];
        float[][] Run(bool overlap)
        {
            model.MicroBatchOverlap = overlap;
            return BatchedLastLogits(model, prompts);
        }
        try
        {
            var whole = Run(overlap: false);
            var split = Run(overlap: true);
            for (int i = 0; i < prompts.Length; i++)
                AssertClose(whole[i], split[i], 1e-5);
        }
        finally
        {
            model.MicroBatchOverlap = initial;
        }
    }

    /// <summary>
    /// One step that decodes several sequences from a shared paged pool (blocks scattered, out of
    /// order) while another one prefills, then a step of decodes only: the decode queries go to the
    /// attention kernels together, the prefill to batched products; each must get the logits of its
    /// sequence run alone.
    /// </summary>
    [Fact]
    public void PagedStepOfDecodesAndAPrefill_GivesEachSequenceItsOwnLogits()
    {
        var model = Tiny.Value.Model;
        int[][] sequences = [[5, 6, 7, 8, 9, 10], [300, 2], [11, 12, 13, 14, 15, 16, 17, 18, 19], [42, 43, 44]];
        using var noGrad = no_grad();
        using var pool = new PagedKvCache(model.Config, new Kimi.Cluster.Scheduling.CacheSize(blocks: 16, blockSize: 2));
        int[][] blockTables = [[9, 2, 14, 10], [7, 5], [0, 11, 4, 13, 6], [3, 15]];
        // Every sequence but the last one caches all but its last token first.
        for (int i = 0; i < 3; i++)
        {
            var prompt = sequences[i][..^1];
            using var view = pool.View(blockTables[i], 0, prompt.Length);
            using var ignored = model.Forward(prompt, [new AttentionSegment(0, prompt.Length, view, 0)]);
        }
        var views = new List<PagedSequenceView>();
        var segments = new List<AttentionSegment>();
        var tokens = new List<int>();
        for (int i = 0; i < sequences.Length; i++)
        {
            int start = i < 3 ? sequences[i].Length - 1 : 0, count = sequences[i].Length - start;
            var view = pool.View(blockTables[i], start, count);
            views.Add(view);
            segments.Add(new AttentionSegment(tokens.Count, count, view, start));
            tokens.AddRange(sequences[i][start..]);
        }
        using var logits = model.Forward(tokens, segments);
        foreach (var view in views)
            view.Dispose();

        for (int i = 0; i < sequences.Length; i++)
            AssertClose(LastLogits(model, sequences[i]), logits[i].data<float>().ToArray());

        // Then a step of decodes only, every query in the kernels together.
        int[] next = [21, 22, 23, 24];
        views.Clear();
        segments.Clear();
        for (int i = 0; i < sequences.Length; i++)
        {
            var view = pool.View(blockTables[i], sequences[i].Length, 1);
            views.Add(view);
            segments.Add(new AttentionSegment(i, 1, view, sequences[i].Length));
        }
        using var decoded = model.Forward(next, segments);
        foreach (var view in views)
            view.Dispose();
        for (int i = 0; i < sequences.Length; i++)
            AssertClose(LastLogits(model, [.. sequences[i], next[i]]), decoded[i].data<float>().ToArray());
    }

    /// <summary>
    /// A decode step of more sequences than the attention kernel splits by heads (each token's heads
    /// then go to one work item): every sequence still gets the logits of its own sequence run alone.
    /// </summary>
    [Fact]
    public void PagedStepOfManyDecodes_GivesEachSequenceItsOwnLogits()
    {
        var model = Tiny.Value.Model;
        const int sequenceCount = 20, blocksEach = 4;
        int[][] prompts = [.. Enumerable.Range(0, sequenceCount).Select(i => Enumerable.Range(0, 1 + i % 6).Select(j => 3 + (i * 37 + j * 11) % 400).ToArray())];
        using var noGrad = no_grad();
        using var pool = new PagedKvCache(model.Config, new Kimi.Cluster.Scheduling.CacheSize(blocks: sequenceCount * blocksEach, blockSize: 2));
        // Interleaved block tables, so no sequence's rows are contiguous in the pool.
        int[][] blockTables = [.. Enumerable.Range(0, sequenceCount).Select(i => Enumerable.Range(0, blocksEach).Select(b => b * sequenceCount + i).ToArray())];
        for (int i = 0; i < sequenceCount; i++)
        {
            using var view = pool.View(blockTables[i], 0, prompts[i].Length);
            using var ignored = model.Forward(prompts[i], [new AttentionSegment(0, prompts[i].Length, view, 0)]);
        }
        var views = Enumerable.Range(0, sequenceCount).Select(i => pool.View(blockTables[i], prompts[i].Length, 1)).ToList();
        int[] next = [.. Enumerable.Range(0, sequenceCount).Select(i => 450 + i)];

        using var decoded = model.Forward(next, [.. Enumerable.Range(0, sequenceCount).Select(i => new AttentionSegment(i, 1, views[i], prompts[i].Length))]);
        foreach (var view in views)
            view.Dispose();

        for (int i = 0; i < sequenceCount; i++)
            AssertClose(LastLogits(model, [.. prompts[i], next[i]]), decoded[i].data<float>().ToArray());
    }

    /// <summary>Runs <paramref name="logits"/> in the absorbed form, then in the naive one (kv_b_proj expanding every cached latent), and compares.</summary>
    private static void AssertNaiveFormAgrees(KimiModel model, Func<float[]> logits)
    {
        var absorbed = logits();
        model.AttentionForm = MlaForm.Naive;
        try
        {
            AssertClose(absorbed, logits(), 1e-5);
        }
        finally
        {
            model.AttentionForm = MlaForm.Absorbed;
        }
    }

    /// <summary>The absorbed kernels at decode against kv_b_proj expanding every cached latent (naive).</summary>
    [Fact]
    public void NaiveAndAbsorbedMla_AgreeWhenDecoding()
    {
        var model = Tiny.Value.Model;
        int[] sequence = [7, 77, 177, 277, 377, 477, 57];
        float[] Decode()
        {
            using var noGrad = no_grad();
            using var cache = new OneSequenceCache(model.Config);
            using (var prefill = model.Forward(sequence[..^1], [new AttentionSegment(0, sequence.Length - 1, cache, 0)])) { }
            using var logits = model.Forward(sequence[^1..], [new AttentionSegment(0, 1, cache, cache.Length)]);
            return logits[0].data<float>().ToArray();
        }
        AssertNaiveFormAgrees(model, Decode);
    }

    /// <summary>
    /// A prompt's second chunk after a cached first one: each of its tokens sees the cache up to its
    /// own position (the absorbed kernels take a count of the prompt's rows per token), as the naive
    /// form's causal mask has it; every position's logits, so an off-by-one in any token shows.
    /// </summary>
    [Fact]
    public void NaiveAndAbsorbedMla_AgreeOnAChunkAfterACachedPrefix()
    {
        var model = Tiny.Value.Model;
        int[] sequence = [7, 77, 177, 277, 377, 477, 57, 5, 50];
        float[] ChunkLogits()
        {
            using var noGrad = no_grad();
            using var cache = new OneSequenceCache(model.Config);
            using (var prefix = model.Forward(sequence[..4], [new AttentionSegment(0, 4, cache, 0)])) { }
            using var logits = model.Forward(sequence[4..], [new AttentionSegment(0, sequence.Length - 4, cache, 4)], allPositions: true);
            return logits.data<float>().ToArray();
        }
        AssertNaiveFormAgrees(model, ChunkLogits);
    }

    [Fact]
    public void NaiveAndAbsorbedMla_Agree()
    {
        var model = Tiny.Value.Model;
        int[] tokens = [7, 77, 177, 277, 377, 477];
        AssertNaiveFormAgrees(model, () => LastLogits(model, tokens));
    }

    [Fact]
    public void Generate_BatchedRequests_MatchRunningEachAlone()
    {
        var engine = Tiny.Value;
        GenerationRequest Request(int[] prompt) => new(prompt, new SamplingParams { Temperature = 0, MaxTokens = 5, IgnoreEos = true, Logprobs = 3 });
        int[][] prompts = [[10, 11, 12, 13], [400], [1, 2]];
        var batched = engine.Generate(prompts.Select(Request).ToArray());
        for (int i = 0; i < prompts.Length; i++)
        {
            var alone = engine.Generate([Request(prompts[i])])[0];
            Assert.Equal(alone.Tokens.Select(t => t.TokenId), batched[i].Tokens.Select(t => t.TokenId));
            for (int t = 0; t < alone.Tokens.Count; t++)
                Assert.Equal(alone.Tokens[t].Logprob, batched[i].Tokens[t].Logprob, 3e-4f);
        }
    }
}
