using Kimi.Cluster.Kernels.Attention;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>
/// MLA decode attention's three per-head steps in one call: the same bits as the key products, the
/// latent attention and the value products called one after another (each checked against double
/// loops in its own tests), whether the call runs them as one job (few tokens) or as three.
/// </summary>
public sealed class AbsorbedAttentionTests
{
    [Theory]
    // tokens, heads, nope, latent, rope, value, threads. Two threads run up to 7 tokens as one job; one thread up to 3.
    [InlineData(1, 16, 64, 128, 32, 64, 2)]
    [InlineData(1, 5, 7, 37, 5, 9, 2)]
    [InlineData(3, 6, 16, 40, 8, 24, 2)]
    [InlineData(7, 64, 24, 48, 16, 24, 2)]
    [InlineData(2, 9, 12, 33, 0, 10, 1)]
    [InlineData(8, 16, 64, 128, 32, 64, 2)]
    [InlineData(20, 6, 16, 40, 8, 24, 2)]
    public void AbsorbedAttention_GivesTheBitsOfItsThreeStepsCalledApart(int tokens, int heads, int nope, int latent, int rope, int value, int threads)
    {
        // Every path: the AVX-512 one runs the attention loops on 16-float vectors, the others on Vector<float>.
        foreach (var isa in CpuKernels.SupportedIsas)
        {
            AbsorbedAttentionOn(isa, tokens, heads, nope, latent, rope, value, threads);
        }
    }

    private static void AbsorbedAttentionOn(KernelIsa isa, int tokens, int heads, int nope, int latent, int rope, int value, int threads)
    {
        var random = new Random(tokens * 1000 + heads * 10 + latent);
        int queryWidth = nope + rope;
        var layout = Layout(tokens, heads, nope, latent, rope, value);
        float[] queries = Values(random, tokens * heads * queryWidth);
        float[] keyAbsorb = Values(random, heads * nope * latent);
        float[] valueAbsorb = Values(random, heads * latent * value);
        int poolRows = 40 * tokens + 3;
        float[] rows = Values(random, poolRows * (latent + rope));
        var order = Enumerable.Range(0, poolRows).OrderBy(_ => random.Next()).ToArray();
        var slots = new int[]?[tokens];
        for (int t = 0, next = 0; t < tokens; t++)
        {
            int length = 1 + random.Next(40);
            slots[t] = order[next..(next + length)];
            next += length;
        }
        using var kernels = new CpuKernels(new KernelOptions { Isa = isa, Threads = threads });

        var apartLatents = new float[heads * tokens * latent];
        var apartOutputs = new float[apartLatents.Length];
        var apart = new float[tokens * heads * value];
        kernels.HeadProducts(layout.Keys, queries, keyAbsorb, apartLatents);
        kernels.LatentAttention(layout.Attention, apartLatents, queries.AsSpan(nope), rows, slots, apartOutputs);
        kernels.HeadProducts(layout.Values, apartOutputs, valueAbsorb, apart);

        var attended = new float[apart.Length];
        kernels.AbsorbedAttention(layout, queries, keyAbsorb, new float[apartLatents.Length], queries.AsSpan(nope), rows, slots,
            new float[apartLatents.Length], valueAbsorb, attended);

        for (int i = 0; i < apart.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(apart[i]) == BitConverter.SingleToInt32Bits(attended[i]), $"{isa}: value {i}: {apart[i]:R} apart, {attended[i]:R} in one call");

        // With the latents in the kernels' scratch instead (twice: the second call reuses it).
        for (int call = 0; call < 2; call++)
        {
            var inScratch = new float[apart.Length];
            kernels.AbsorbedAttention(layout, queries, keyAbsorb, queries.AsSpan(nope), rows, slots, valueAbsorb, inScratch);
            for (int i = 0; i < apart.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(apart[i]) == BitConverter.SingleToInt32Bits(inScratch[i]), $"value {i}: {apart[i]:R} apart, {inScratch[i]:R} with scratch latents");
        }
    }

    [Theory]
    [InlineData(1, 16, 64, 128, 32, 64, 2)]
    [InlineData(3, 6, 16, 40, 8, 24, 2)]
    [InlineData(20, 6, 16, 40, 8, 24, 2)]
    public void AbsorbedAttention_OfBf16Halves_GivesTheBitsOfTheFloat32HalvesOfTheirValues(int tokens, int heads, int nope, int latent, int rope, int value, int threads)
    {
        var random = new Random(tokens * 31 + heads);
        int queryWidth = nope + rope;
        var layout = Layout(tokens, heads, nope, latent, rope, value);
        float[] queries = Values(random, tokens * heads * queryWidth);
        ushort[] keyBits = [.. Enumerable.Range(0, heads * nope * latent).Select(_ => HeadProductTests.BFloat16Bits(random))];
        ushort[] valueBits = [.. Enumerable.Range(0, heads * latent * value).Select(_ => HeadProductTests.BFloat16Bits(random))];
        float[] rows = Values(random, 50 * (latent + rope));
        var slots = Enumerable.Range(0, tokens).Select(t => (int[]?)[.. Enumerable.Range(0, 1 + (t * 7) % 50)]).ToArray();
        using var kernels = new CpuKernels(new KernelOptions { Threads = threads });

        var fromFloats = new float[tokens * heads * value];
        float[] keyFloats = [.. keyBits.Select(Float)], valueFloats = [.. valueBits.Select(Float)];
        kernels.AbsorbedAttention(layout, queries, keyFloats, new float[heads * tokens * latent], queries.AsSpan(nope), rows, slots,
            new float[heads * tokens * latent], valueFloats, fromFloats);
        var fromBf16 = new float[fromFloats.Length];
        kernels.AbsorbedAttention(layout, queries, HeadWeightSpan.BFloat16(keyBits), new float[heads * tokens * latent], queries.AsSpan(nope), rows, slots,
            new float[heads * tokens * latent], HeadWeightSpan.BFloat16(valueBits), fromBf16);

        for (int i = 0; i < fromFloats.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(fromFloats[i]) == BitConverter.SingleToInt32Bits(fromBf16[i]), $"value {i}: {fromFloats[i]:R} from floats, {fromBf16[i]:R} from bf16");
        var inScratch = new float[fromFloats.Length];
        kernels.AbsorbedAttention(layout, queries, HeadWeightSpan.BFloat16(keyBits), queries.AsSpan(nope), rows, slots, HeadWeightSpan.BFloat16(valueBits), inScratch);
        for (int i = 0; i < fromFloats.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(fromFloats[i]) == BitConverter.SingleToInt32Bits(inScratch[i]), $"value {i}: {fromFloats[i]:R} from floats, {inScratch[i]:R} from bf16 with scratch latents");
    }

    [Theory]
    // prompts (lengths), threads: 2 + 1 tokens run as one job on two threads, 24 + 9 as three calls
    [InlineData(new[] { 2, 1 }, 2)]
    [InlineData(new[] { 24, 9 }, 2)]
    [InlineData(new[] { 17 }, 1)]
    public void AbsorbedAttention_OfPrompts_WithTokenMajorLatents_GivesTheBitsOfItsThreeStepsCalledApart(int[] prompts, int threads)
    {
        const int heads = 6, nope = 16, latent = 40, rope = 8, value = 24;
        int tokens = prompts.Sum();
        var random = new Random(tokens);
        var layout = TokenMajor(Layout(tokens, heads, nope, latent, rope, value));
        float[] queries = Values(random, tokens * heads * (nope + rope));
        float[] keyAbsorb = Values(random, heads * nope * latent);
        float[] valueAbsorb = Values(random, heads * latent * value);
        float[] rows = Values(random, (tokens + 10) * (latent + rope));
        var slots = new int[]?[tokens];
        var rowCounts = new int[tokens];
        for (int p = 0, token = 0, first = 0; p < prompts.Length; p++)
        {
            int[] list = [.. Enumerable.Range(first, prompts[p] + 5)]; // 5 rows cached by an earlier chunk
            first += list.Length;
            for (int j = 0; j < prompts[p]; j++, token++)
                (slots[token], rowCounts[token]) = (list, 5 + j + 1);
        }
        using var kernels = new CpuKernels(new KernelOptions { Threads = threads });

        var apartLatents = new float[heads * tokens * latent];
        var apartOutputs = new float[apartLatents.Length];
        var apart = new float[tokens * heads * value];
        kernels.HeadProducts(layout.Keys, queries, keyAbsorb, apartLatents);
        kernels.LatentAttention(layout.Attention, apartLatents, queries.AsSpan(nope), rows, slots, apartOutputs, rowCounts);
        kernels.HeadProducts(layout.Values, apartOutputs, valueAbsorb, apart);
        var attended = new float[apart.Length];
        kernels.AbsorbedAttention(layout, queries, keyAbsorb, new float[apartLatents.Length], queries.AsSpan(nope), rows, slots,
            new float[apartLatents.Length], valueAbsorb, attended, rowCounts);
        var inScratch = new float[apart.Length];
        kernels.AbsorbedAttention(layout, queries, keyAbsorb, queries.AsSpan(nope), rows, slots, valueAbsorb, inScratch, rowCounts);

        for (int i = 0; i < apart.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(apart[i]) == BitConverter.SingleToInt32Bits(attended[i]), $"value {i}: {apart[i]:R} apart, {attended[i]:R} in one call");
            Assert.True(BitConverter.SingleToInt32Bits(apart[i]) == BitConverter.SingleToInt32Bits(inScratch[i]), $"value {i}: {apart[i]:R} apart, {inScratch[i]:R} with scratch latents");
        }
        // Seeing every row of its list instead changes a prompt's early tokens: the counts are applied.
        var unmasked = new float[apart.Length];
        kernels.AbsorbedAttention(layout, queries, keyAbsorb, queries.AsSpan(nope), rows, slots, valueAbsorb, unmasked);
        Assert.NotEqual(apart[..(heads * value)], unmasked[..(heads * value)]);
    }

    [Fact]
    public void AbsorbedAttention_RefusesProductsThatPutTheLatentsElsewhereThanTheAttentionReadsThem()
    {
        var layout = Layout(tokens: 2, heads: 4, nope: 8, latent: 16, rope: 4, value: 8);
        using var kernels = new CpuKernels(new KernelOptions { Threads = 2 });
        float[] queries = new float[2 * 4 * 12], keyAbsorb = new float[4 * 8 * 16], valueAbsorb = new float[4 * 16 * 8], rows = new float[3 * 20];

        var keys = Assert.Throws<ArgumentException>(() => kernels.AbsorbedAttention(layout with { Attention = TokenMajor(layout).Attention },
            queries, keyAbsorb, queries.AsSpan(8), rows, [[0], [1]], valueAbsorb, new float[2 * 32]));
        Assert.Contains("the key products write latents at strides (16, 32) a token and a head, the attention reads and writes them at (64, 16)", keys.Message);
    }

    /// <summary><paramref name="layout"/> with its latents [tokens, heads, latent] instead of [heads, tokens, latent].</summary>
    private static AbsorbedAttentionLayout TokenMajor(AbsorbedAttentionLayout layout)
    {
        var a = layout.Attention;
        long tokenStride = (long)a.Heads * a.LatentWidth, headStride = a.LatentWidth;
        return new AbsorbedAttentionLayout(
            layout.Keys with { YTokenStride = tokenStride, YHeadStride = headStride },
            a with { LatentTokenStride = tokenStride, LatentHeadStride = headStride },
            layout.Values with { XTokenStride = tokenStride, XHeadStride = headStride });
    }

    [Theory]
    // heads, threads, heads an item: a thread's share in whole blocks of four
    [InlineData(16, 2, 8)]
    [InlineData(64, 2, 32)]
    [InlineData(5, 2, 4)]
    [InlineData(64, 16, 4)]
    [InlineData(64, 3, 24)]
    [InlineData(1, 2, 4)]
    public void OneCall_GivesEachThreadItsShareOfTheHeads_InWholeBlocks(int heads, int threads, int perItem) =>
        Assert.Equal(perItem, LatentAttentionJob.HeadsPerItem(heads, threads));

    private static float Float(ushort bf16) => BitConverter.Int32BitsToSingle(bf16 << 16);

    [Fact]
    public void AbsorbedAttention_RefusesStepsThatDisagreeOnHeadsOrTokens_AndSlotsOutsideTheCache()
    {
        var layout = Layout(tokens: 1, heads: 4, nope: 8, latent: 16, rope: 4, value: 8);
        using var kernels = new CpuKernels(new KernelOptions { Threads = 2 });
        float[] queries = new float[4 * 12], keyAbsorb = new float[4 * 8 * 16], valueAbsorb = new float[4 * 16 * 8], rows = new float[3 * 20];

        var heads = Assert.Throws<ArgumentException>(() => kernels.AbsorbedAttention(layout with { Values = layout.Values with { Heads = 3 } },
            queries, keyAbsorb, new float[64], queries.AsSpan(8), rows, [[0]], new float[64], valueAbsorb, new float[32]));
        Assert.Contains("same heads and tokens", heads.Message);
        var slot = Assert.Throws<ArgumentException>(() => kernels.AbsorbedAttention(layout,
            queries, keyAbsorb, new float[64], queries.AsSpan(8), rows, [[0, 3]], new float[64], valueAbsorb, new float[32]));
        Assert.Contains("names row 3 of a cache of 3 rows", slot.Message);
        // The form with scratch latents sizes them from the layout, and refuses a layout without heads the same way.
        var noHeads = Assert.Throws<ArgumentException>(() => kernels.AbsorbedAttention(layout with { Attention = layout.Attention with { Heads = 0 } },
            queries, keyAbsorb, queries.AsSpan(8), rows, [[0]], valueAbsorb, new float[32]));
        Assert.Contains("same heads and tokens", noHeads.Message);
    }

    [Theory]
    [InlineData(1)]   // one dispatch for the three steps
    [InlineData(20)]  // three calls
    public void AbsorbedAttention_RefusesHalvesHeldInDifferentFormats(int tokens)
    {
        var layout = Layout(tokens, heads: 4, nope: 8, latent: 16, rope: 4, value: 8);
        using var kernels = new CpuKernels(new KernelOptions { Threads = 2 });
        float[] queries = new float[tokens * 4 * 12], keyAbsorb = new float[4 * 8 * 16], rows = new float[3 * 20];
        var valueBits = new ushort[4 * 16 * 8];
        var slots = Enumerable.Range(0, tokens).Select(_ => (int[]?)[0, 1]).ToArray();

        var mixed = Assert.Throws<ArgumentException>(() => kernels.AbsorbedAttention(layout, queries, keyAbsorb, queries.AsSpan(8), rows, slots,
            HeadWeightSpan.BFloat16(valueBits), new float[tokens * 4 * 8]));
        Assert.Contains("the key half is Float32 and the value half BFloat16", mixed.Message);
    }

    internal static AbsorbedAttentionLayout Layout(int tokens, int heads, int nope, int latent, int rope, int value)
    {
        int queryWidth = nope + rope;
        return new AbsorbedAttentionLayout(
            Keys: new HeadProductLayout(heads, tokens, nope, latent,
                XTokenStride: heads * queryWidth, XHeadStride: queryWidth, YTokenStride: latent, YHeadStride: (long)tokens * latent),
            Attention: new LatentAttentionShape(heads, tokens, latent, rope, Scale: 0.125f) { RopeTokenStride = heads * queryWidth, RopeHeadStride = queryWidth },
            Values: new HeadProductLayout(heads, tokens, latent, value,
                XTokenStride: latent, XHeadStride: (long)tokens * latent, YTokenStride: heads * value, YHeadStride: value));
    }

    private static float[] Values(Random random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];
}
