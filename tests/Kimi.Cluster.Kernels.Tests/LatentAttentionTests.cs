using Kimi.Cluster.Kernels.Attention;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>MLA decode attention (absorbed form) against plain double loops written from the formula.</summary>
public sealed class LatentAttentionTests
{
    [Theory]
    [InlineData(1, 1, 16, 8, 1, 1)]
    [InlineData(1, 16, 512, 64, 65, 2)]
    [InlineData(5, 3, 37, 5, 9, 2)]
    [InlineData(7, 4, 64, 0, 300, 1)]
    [InlineData(64, 2, 24, 16, 33, 2)]
    [InlineData(20, 6, 40, 7, 50, 2)]
    [InlineData(16, 16, 128, 32, 100, 2)]
    [InlineData(3, 5, 80, 20, 70, 2)]
    [InlineData(4, 3, 96, 8, 900, 2)]
    public void LatentAttention_AttendsEachTokensOwnRowsAsTheFormulaSays(int tokens, int heads, int latent, int rope, int maxLength, int threads)
    {
        // Every path: the AVX-512 one runs the attention loops on 16-float vectors, the others on Vector<float>.
        foreach (var isa in CpuKernels.SupportedIsas)
        {
            LatentAttentionOn(isa, tokens, heads, latent, rope, maxLength, threads);
        }
    }

    private static void LatentAttentionOn(KernelIsa isa, int tokens, int heads, int latent, int rope, int maxLength, int threads)
    {
        var random = new Random(tokens * 7919 + heads * 31 + latent);
        var shape = new LatentAttentionShape(heads, tokens, latent, rope, Scale: 0.125f);
        int poolRows = maxLength * tokens + 5;
        float[] rows = Values(random, poolRows * shape.RowWidth, 2);
        float[] queryLatents = Values(random, heads * tokens * latent, 1);
        float[] queryRopes = Values(random, tokens * heads * rope, 1);
        // Each token's rows are scattered over the pool in no order, as paged blocks are.
        var order = Enumerable.Range(0, poolRows).OrderBy(_ => random.Next()).ToArray();
        var slots = new int[tokens][];
        for (int t = 0, next = 0; t < tokens; t++)
        {
            int length = 1 + random.Next(maxLength);
            slots[t] = order[next..(next + length)];
            next += length;
        }
        var outputs = new float[queryLatents.Length];
        using var kernels = new CpuKernels(new KernelOptions { Isa = isa, Threads = threads });

        kernels.LatentAttention(shape, queryLatents, queryRopes, rows, slots, outputs);

        for (int t = 0; t < tokens; t++)
        {
            for (int h = 0; h < heads; h++)
            {
                var expected = Reference(shape, queryLatents, queryRopes, rows, slots[t], t, h);
                for (int c = 0; c < latent; c++)
                {
                    float actual = outputs[(h * tokens + t) * latent + c];
                    Assert.True(Math.Abs(expected[c] - actual) <= 1e-5 * (1 + Math.Abs(expected[c])),
                        $"{isa}: token {t} head {h} column {c}: expected {expected[c]}, got {actual}");
                }
            }
        }
    }

    [Fact]
    public void LatentAttention_LeavesTokensWithoutSlotsAloneAndKeepsLargeScoresFinite()
    {
        var shape = new LatentAttentionShape(Heads: 2, Tokens: 2, LatentWidth: 8, RopeWidth: 2, Scale: 1f);
        float[] rows = [.. Enumerable.Range(0, 3 * shape.RowWidth).Select(i => (float)(i % 7) * 50)];
        float[] queryLatents = [.. Enumerable.Range(0, 2 * 2 * 8).Select(i => (float)(i % 5) * 40)];
        float[] queryRopes = new float[2 * 2 * 2];
        var outputs = Enumerable.Repeat(-7f, queryLatents.Length).ToArray();
        using var kernels = new CpuKernels(new KernelOptions { Threads = 2 });

        kernels.LatentAttention(shape, queryLatents, queryRopes, rows, [null, [2, 0, 1]], outputs);

        for (int h = 0; h < 2; h++)
        {
            Assert.All(outputs.AsSpan((h * 2 + 0) * 8, 8).ToArray(), v => Assert.Equal(-7f, v));
            var expected = Reference(shape, queryLatents, queryRopes, rows, [2, 0, 1], token: 1, head: h);
            for (int c = 0; c < 8; c++)
            {
                float actual = outputs[(h * 2 + 1) * 8 + c];
                Assert.True(float.IsFinite(actual));
                Assert.True(Math.Abs(expected[c] - actual) <= 1e-4 * (1 + Math.Abs(expected[c])), $"head {h} column {c}: {expected[c]} vs {actual}");
            }
        }
    }

    [Fact]
    public void LatentAttention_GivesTheSameResult_WhenRopeQueriesAreReadInPlaceFromWiderQueryRows()
    {
        const int heads = 3, tokens = 2, latent = 20, rope = 6, nope = 5, queryWidth = nope + rope;
        var random = new Random(11);
        var shape = new LatentAttentionShape(heads, tokens, latent, rope, Scale: 0.3f);
        float[] rows = [.. Enumerable.Range(0, 9 * shape.RowWidth).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] queryLatents = [.. Enumerable.Range(0, heads * tokens * latent).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] queries = [.. Enumerable.Range(0, tokens * heads * queryWidth).Select(_ => (float)random.NextDouble() - 0.5f)];
        float[] ropes = new float[tokens * heads * rope];
        for (int th = 0; th < tokens * heads; th++)
            Array.Copy(queries, th * queryWidth + nope, ropes, th * rope, rope);
        int[][] slots = [[4, 1, 7], [0, 2, 3, 5, 6, 8]];
        var packed = new float[queryLatents.Length];
        var inPlace = new float[queryLatents.Length];
        using var kernels = new CpuKernels(new KernelOptions { Threads = 2 });

        kernels.LatentAttention(shape, queryLatents, ropes, rows, slots, packed);
        kernels.LatentAttention(shape with { RopeTokenStride = heads * queryWidth, RopeHeadStride = queryWidth },
            queryLatents, queries.AsSpan(nope), rows, slots, inPlace);

        Assert.Equal(packed, inPlace);
    }

    [Theory]
    // prompts (lengths), heads, latent, rope, threads
    [InlineData(new[] { 1, 7, 33 }, 5, 37, 5, 2)]
    [InlineData(new[] { 64, 64 }, 16, 128, 32, 2)]
    [InlineData(new[] { 3 }, 4, 24, 0, 1)]
    [InlineData(new[] { 20, 1, 9 }, 6, 40, 7, 2)]
    public void LatentAttention_GivesEachPromptTokenItsRowsUpToItsPosition_AsTheFormulaSays_AndAsADecodeOfThemWould(
        int[] prompts, int heads, int latent, int rope, int threads)
    {
        foreach (var isa in CpuKernels.SupportedIsas)
            PrefillOn(isa, prompts, heads, latent, rope, threads);
    }

    /// <summary>
    /// A step of prompts: each prompt's tokens share its slot list (after some cached rows of an
    /// earlier chunk), token j seeing the list's first cached + j + 1 rows; the latents token-major.
    /// Each token's outputs must match the double loops over its visible rows, and be the bits of the
    /// token alone in a decode-style call over exactly those rows (head-major latents).
    /// </summary>
    private static void PrefillOn(KernelIsa isa, int[] prompts, int heads, int latent, int rope, int threads)
    {
        var random = new Random(prompts.Sum() * 31 + heads);
        int tokens = prompts.Sum();
        var packed = new LatentAttentionShape(heads, tokens, latent, rope, Scale: 0.2f);
        var tokenMajor = packed with { LatentTokenStride = (long)heads * latent, LatentHeadStride = latent };
        int poolRows = 2 * tokens + 40;
        float[] rows = Values(random, poolRows * packed.RowWidth, 2);
        float[] queryLatents = Values(random, heads * tokens * latent, 1); // token-major
        float[] queryRopes = Values(random, tokens * heads * rope, 1);
        var order = Enumerable.Range(0, poolRows).OrderBy(_ => random.Next()).ToArray();
        var slots = new int[]?[tokens];
        var rowCounts = new int[tokens];
        for (int p = 0, token = 0, next = 0; p < prompts.Length; p++)
        {
            int cached = random.Next(8); // rows of an earlier chunk of the same prompt
            var list = order[next..(next + cached + prompts[p])];
            next += list.Length;
            for (int j = 0; j < prompts[p]; j++, token++)
            {
                slots[token] = list;
                rowCounts[token] = cached + j + 1;
            }
        }
        var outputs = new float[queryLatents.Length];
        using var kernels = new CpuKernels(new KernelOptions { Isa = isa, Threads = threads });

        kernels.LatentAttention(tokenMajor, queryLatents, queryRopes, rows, slots, outputs, rowCounts);

        var single = new LatentAttentionShape(heads, 1, latent, rope, Scale: 0.2f);
        for (int t = 0; t < tokens; t++)
        {
            int[] visible = slots[t]![..rowCounts[t]];
            var headMajorQuery = new float[heads * latent];
            for (int h = 0; h < heads; h++)
                Array.Copy(queryLatents, (t * heads + h) * latent, headMajorQuery, h * latent, latent);
            var alone = new float[heads * latent];
            kernels.LatentAttention(single, headMajorQuery, queryRopes.AsSpan(t * heads * rope, heads * rope), rows, [visible], alone);
            for (int h = 0; h < heads; h++)
            {
                var expected = Reference(single, headMajorQuery, queryRopes[(t * heads * rope)..((t + 1) * heads * rope)], rows, visible, token: 0, head: h);
                for (int c = 0; c < latent; c++)
                {
                    float actual = outputs[(t * heads + h) * latent + c];
                    Assert.True(Math.Abs(expected[c] - actual) <= 1e-5 * (1 + Math.Abs(expected[c])),
                        $"{isa}: token {t} head {h} column {c}: expected {expected[c]}, got {actual}");
                    Assert.True(BitConverter.SingleToInt32Bits(alone[h * latent + c]) == BitConverter.SingleToInt32Bits(actual),
                        $"{isa}: token {t} head {h} column {c}: {alone[h * latent + c]:R} alone, {actual:R} in the prefill");
                }
            }
        }
    }

    [Fact]
    public void LatentAttention_NamesWhatIsWrong_WhenRowCountsOrLatentStridesDoNotFit()
    {
        var shape = new LatentAttentionShape(Heads: 2, Tokens: 2, LatentWidth: 4, RopeWidth: 2, Scale: 1f);
        using var kernels = new CpuKernels(new KernelOptions { Threads = 1 });
        float[] latents = new float[16], ropes = new float[8], rows = new float[3 * 6], outputs = new float[16];
        int[] list = [0, 1, 2];

        var count = Assert.Throws<ArgumentException>(() => kernels.LatentAttention(shape, latents, ropes, rows, [list, list], outputs, [1]));
        var beyond = Assert.Throws<ArgumentException>(() => kernels.LatentAttention(shape, latents, ropes, rows, [list, list], outputs, [1, 4]));
        var none = Assert.Throws<ArgumentException>(() => kernels.LatentAttention(shape, latents, ropes, rows, [list, list], outputs, [0, 1]));
        var strides = Assert.Throws<ArgumentException>(() => kernels.LatentAttention(shape with { LatentTokenStride = 9 },
            latents, ropes, rows, [list, list], outputs));

        Assert.Contains("1 row counts for 2 tokens", count.Message, StringComparison.Ordinal);
        Assert.Contains("token 1 is to see 4 of its 3 rows", beyond.Message, StringComparison.Ordinal);
        Assert.Contains("token 0 has no cached rows", none.Message, StringComparison.Ordinal);
        Assert.Contains("must hold 2×2×4 floats at their strides (21), not 16 and 16", strides.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LatentAttention_NamesWhatIsWrong_WhenTheCallIsBad()
    {
        var shape = new LatentAttentionShape(Heads: 2, Tokens: 1, LatentWidth: 4, RopeWidth: 2, Scale: 1f);
        using var kernels = new CpuKernels(new KernelOptions { Threads = 1 });
        float[] latents = new float[8], ropes = new float[4], rows = new float[3 * 6], outputs = new float[8];

        var outside = Assert.Throws<ArgumentException>(() => kernels.LatentAttention(shape, latents, ropes, rows, [[0, 3]], outputs));
        var empty = Assert.Throws<ArgumentException>(() => kernels.LatentAttention(shape, latents, ropes, rows, [[]], outputs));
        var sizes = Assert.Throws<ArgumentException>(() => kernels.LatentAttention(shape, latents, new float[3], rows, [[0]], outputs));
        var ragged = Assert.Throws<ArgumentException>(() => kernels.LatentAttention(shape, latents, ropes, new float[7], [[0]], outputs));

        Assert.Contains("names row 3 of a cache of 3 rows", outside.Message, StringComparison.Ordinal);
        Assert.Contains("token 0 has no cached rows", empty.Message, StringComparison.Ordinal);
        Assert.Contains("query rope parts must hold 1×2×2 floats at their strides (4), not 3", sizes.Message, StringComparison.Ordinal);
        Assert.Contains("not whole rows of 6", ragged.Message, StringComparison.Ordinal);
    }

    private static double[] Reference(LatentAttentionShape shape, float[] queryLatents, float[] queryRopes, float[] rows, int[] slots, int token, int head)
    {
        int latent = shape.LatentWidth, rope = shape.RopeWidth, width = shape.RowWidth;
        var scores = new double[slots.Length];
        for (int s = 0; s < slots.Length; s++)
        {
            double dot = 0;
            for (int c = 0; c < latent; c++)
                dot += (double)queryLatents[(head * shape.Tokens + token) * latent + c] * rows[slots[s] * width + c];
            for (int r = 0; r < rope; r++)
                dot += (double)queryRopes[(token * shape.Heads + head) * rope + r] * rows[slots[s] * width + latent + r];
            scores[s] = dot * shape.Scale;
        }
        double max = scores.Max();
        double[] weights = [.. scores.Select(x => Math.Exp(x - max))];
        double sum = weights.Sum();
        var output = new double[latent];
        for (int s = 0; s < slots.Length; s++)
        {
            for (int c = 0; c < latent; c++)
                output[c] += weights[s] / sum * rows[slots[s] * width + c];
        }
        return output;
    }

    private static float[] Values(Random random, int count, double range) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * range))];
}
