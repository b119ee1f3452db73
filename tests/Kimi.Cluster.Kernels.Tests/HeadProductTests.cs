using Kimi.Cluster.Kernels.Attention;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>Per-head products over strided layouts against plain double loops, on every path (the AVX-512 one runs 16-float vectors, the others Vector&lt;float&gt;).</summary>
public sealed class HeadProductTests
{
    [Theory]
    // heads, tokens, inputs, outputs, threads: MLA's query absorb ([T, H, D] slice → [H, T, C]) then value absorb ([H, T, C] → [T, H, V])
    [InlineData(16, 1, 64, 128, 2)]
    [InlineData(3, 5, 7, 37, 1)]
    [InlineData(4, 16, 128, 512, 2)]
    [InlineData(1, 2, 1, 1, 2)]
    [InlineData(16, 64, 64, 128, 2)]
    [InlineData(2, 9, 5, 20, 2)]
    [InlineData(2, 3, 9, 150, 2)]
    [InlineData(16, 1, 128, 512, 2)]
    public void HeadProducts_MatchTheFormula_WhenQueryThenValueLayoutsAreUsed(int heads, int tokens, int inputs, int outputs, int threads)
    {
        foreach (var isa in CpuKernels.SupportedIsas)
            MatchTheFormula(isa, heads, tokens, inputs, outputs, threads);
    }

    private static void MatchTheFormula(KernelIsa isa, int heads, int tokens, int inputs, int outputs, int threads)
    {
        var random = new Random(heads * 100 + tokens * 10 + inputs);
        int queryWidth = inputs + 5; // a query row per head holds more than the product reads
        float[] queries = Values(random, tokens * heads * queryWidth);
        float[] keyWeights = Values(random, heads * inputs * outputs);
        float[] valueWeights = Values(random, heads * outputs * inputs);
        var latents = new float[heads * tokens * outputs];
        var values = new float[tokens * heads * inputs];
        using var kernels = new CpuKernels(new KernelOptions { Isa = isa, Threads = threads });

        kernels.HeadProducts(new HeadProductLayout(heads, tokens, inputs, outputs,
            XTokenStride: heads * queryWidth, XHeadStride: queryWidth, YTokenStride: outputs, YHeadStride: (long)tokens * outputs), queries, keyWeights, latents);
        kernels.HeadProducts(new HeadProductLayout(heads, tokens, outputs, inputs,
            XTokenStride: outputs, XHeadStride: (long)tokens * outputs, YTokenStride: heads * inputs, YHeadStride: inputs), latents, valueWeights, values);

        for (int t = 0; t < tokens; t++)
        {
            for (int h = 0; h < heads; h++)
            {
                var latent = new double[outputs];
                for (int o = 0; o < outputs; o++)
                {
                    for (int i = 0; i < inputs; i++)
                        latent[o] += (double)queries[(t * heads + h) * queryWidth + i] * keyWeights[(h * inputs + i) * outputs + o];
                    AssertClose(latent[o], latents[(h * tokens + t) * outputs + o], $"{isa} latent t{t} h{h} o{o}");
                }
                for (int v = 0; v < inputs; v++)
                {
                    double expected = 0;
                    for (int c = 0; c < outputs; c++)
                        expected += (double)latents[(h * tokens + t) * outputs + c] * valueWeights[(h * outputs + c) * inputs + v];
                    AssertClose(expected, values[(t * heads + h) * inputs + v], $"{isa} value t{t} h{h} v{v}");
                }
            }
        }
    }

    [Theory]
    [InlineData(16, 1, 64, 128, 2)]
    [InlineData(3, 5, 7, 37, 1)]
    [InlineData(2, 9, 5, 20, 2)]
    [InlineData(2, 3, 9, 150, 2)]
    [InlineData(4, 6, 128, 512, 2)]
    public void HeadProducts_OfBf16Weights_GiveTheBitsOfTheFloat32ProductOfTheirValues(int heads, int tokens, int inputs, int outputs, int threads)
    {
        foreach (var isa in CpuKernels.SupportedIsas)
            Bf16GivesTheFloat32Bits(isa, heads, tokens, inputs, outputs, threads);
    }

    private static void Bf16GivesTheFloat32Bits(KernelIsa isa, int heads, int tokens, int inputs, int outputs, int threads)
    {
        // bf16 → float32 is exact, and both run the same loops: checked against double loops above for float32.
        var random = new Random(heads * 7 + tokens * 3 + outputs);
        float[] x = Values(random, tokens * heads * inputs);
        ushort[] bf16 = [.. Enumerable.Range(0, heads * inputs * outputs).Select(_ => BFloat16Bits(random))];
        float[] asFloats = [.. bf16.Select(b => BitConverter.Int32BitsToSingle(b << 16))];
        var layout = new HeadProductLayout(heads, tokens, inputs, outputs,
            XTokenStride: heads * inputs, XHeadStride: inputs, YTokenStride: outputs, YHeadStride: (long)tokens * outputs);
        var fromBf16 = new float[heads * tokens * outputs];
        var fromFloats = new float[fromBf16.Length];
        using var kernels = new CpuKernels(new KernelOptions { Isa = isa, Threads = threads });

        kernels.HeadProducts(layout, x, HeadWeightSpan.BFloat16(bf16), fromBf16);
        kernels.HeadProducts(layout, x, asFloats, fromFloats);

        for (int i = 0; i < fromBf16.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(fromFloats[i]) == BitConverter.SingleToInt32Bits(fromBf16[i]), $"{isa} {i}: {fromFloats[i]:R} from floats, {fromBf16[i]:R} from bf16");
        Assert.Contains(fromBf16, v => v != 0);
    }

    [Theory]
    // outputs: eight-vector chunks, two-vector chunks and single columns at the end
    [InlineData(2, 7, 24, 200, 2)]
    [InlineData(3, 5, 9, 37, 1)]
    public void HeadProducts_GiveATokenTheSameBits_AloneOrInABlockOfFour(int heads, int tokens, int inputs, int outputs, int threads)
    {
        foreach (var isa in CpuKernels.SupportedIsas)
            SameBitsAloneOrInABlock(isa, heads, tokens, inputs, outputs, threads);
    }

    private static void SameBitsAloneOrInABlock(KernelIsa isa, int heads, int tokens, int inputs, int outputs, int threads)
    {
        var random = new Random(heads + tokens + outputs);
        float[] x = Values(random, tokens * heads * inputs);
        float[] w = Values(random, heads * inputs * outputs);
        using var kernels = new CpuKernels(new KernelOptions { Isa = isa, Threads = threads });
        var together = new float[heads * tokens * outputs];
        kernels.HeadProducts(new HeadProductLayout(heads, tokens, inputs, outputs,
            XTokenStride: heads * inputs, XHeadStride: inputs, YTokenStride: outputs, YHeadStride: (long)tokens * outputs), x, w, together);

        for (int t = 0; t < tokens; t++)
        {
            var alone = new float[heads * outputs];
            kernels.HeadProducts(new HeadProductLayout(heads, 1, inputs, outputs,
                XTokenStride: heads * inputs, XHeadStride: inputs, YTokenStride: outputs, YHeadStride: outputs),
                x.AsSpan(t * heads * inputs, heads * inputs), w, alone);
            for (int h = 0; h < heads; h++)
            {
                for (int o = 0; o < outputs; o++)
                {
                    float inBlock = together[(h * tokens + t) * outputs + o], single = alone[h * outputs + o];
                    Assert.True(BitConverter.SingleToInt32Bits(inBlock) == BitConverter.SingleToInt32Bits(single), $"{isa} t{t} h{h} o{o}: {inBlock:R} among others, {single:R} alone");
                }
            }
        }
    }

    [Fact]
    public void HeadProducts_RefuseTheLayout_WhenItDoesNotFit()
    {
        using var kernels = new CpuKernels(new KernelOptions { Threads = 1 });
        var layout = new HeadProductLayout(2, 2, 3, 4, XTokenStride: 6, XHeadStride: 3, YTokenStride: 8, YHeadStride: 4);

        var shortX = Assert.Throws<ArgumentException>(() => kernels.HeadProducts(layout, new float[11], new float[24], new float[16]));
        var badWeights = Assert.Throws<ArgumentException>(() => kernels.HeadProducts(layout, new float[12], new float[23], new float[16]));
        var shortY = Assert.Throws<ArgumentException>(() => kernels.HeadProducts(layout, new float[12], new float[24], new float[15]));

        Assert.Contains("x (11 floats) is too short", shortX.Message, StringComparison.Ordinal);
        Assert.Contains("must hold 2×3×4 values, not 23", badWeights.Message, StringComparison.Ordinal);
        Assert.Contains("y (15 floats) is too short", shortY.Message, StringComparison.Ordinal);
    }

    private static void AssertClose(double expected, float actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-4 * (1 + Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");

    /// <summary>A bf16 value in ±2 (sign, exponent 126 or 127 and any mantissa), never NaN or infinite.</summary>
    internal static ushort BFloat16Bits(Random random) =>
        (ushort)((random.Next(2) << 15) | ((126 + random.Next(2)) << 7) | random.Next(128));

    private static float[] Values(Random random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];
}
