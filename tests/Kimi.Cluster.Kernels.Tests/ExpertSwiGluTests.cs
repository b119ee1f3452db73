using Kimi.Cluster.Kernels.Tests.Reference;

namespace Kimi.Cluster.Kernels.Tests;

public sealed class ExpertSwiGluTests
{
    private const int Hidden = 264;
    private const int Intermediate = 96;

    public static TheoryData<KernelIsa, string> PathsAndFormats()
    {
        var data = new TheoryData<KernelIsa, string>();
        foreach (var isa in CpuKernels.SupportedIsas)
        {
            foreach (string format in new[] { "float32", "bf16", "f16", "int4-g32", "fp8-128x128" })
            {
                data.Add(isa, format);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PathsAndFormats))]
    public void GroupedExperts_MatchDoubleReference_WithRepeatedTokensAndUnusedExperts(KernelIsa isa, string format)
    {
        var random = new Random(5);
        int hidden = format.StartsWith("int4", StringComparison.Ordinal) ? 256 : Hidden;
        var experts = new List<TestExpert?>();
        for (int e = 0; e < 6; e++)
        {
            // Expert 2 is absent (another shard's); expert 4 is present but nobody picks it.
            experts.Add(e == 2 ? null : TestExpert.Random(format, hidden, Intermediate, random));
        }
        try
        {
            using var kernels = FormatCases.Kernels(isa);
            foreach (int tokens in new[] { 1, 5 })
            {
                var x = ReferenceMath.RandomInputs(tokens * hidden, random);
                var assignments = Route(tokens, random);
                var y = Enumerable.Repeat(float.NaN, tokens * hidden).ToArray(); // y is overwritten
                kernels.ExpertSwiGlu(x, tokens, assignments, experts.Select(e => e?.Weights).ToList(), y);
                var (expected, magnitudes) = TestExpert.Reference(experts, x, tokens, hidden, assignments);
                ReferenceMath.AssertClose(y, expected, magnitudes, 2e-5, $"{isa} {format} experts × {tokens} tokens");
            }
        }
        finally
        {
            experts.ForEach(e => e?.Dispose());
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void GroupedExperts_OfMixedFormats_MatchDoubleReference(KernelIsa isa)
    {
        // Each format lays its inputs out its own way: a token going to experts of several formats
        // must reach each in that expert's layout.
        var random = new Random(11);
        const int hidden = 256;
        string[] formats = ["bf16", "int4-g32", "float32", "fp8-128x128", "bf16", "int4-g32"];
        var experts = formats.Select(format => (TestExpert?)TestExpert.Random(format, hidden, Intermediate, random)).ToList();
        try
        {
            using var kernels = FormatCases.Kernels(isa);
            foreach (int tokens in new[] { 1, 5, 20 })
            {
                var x = ReferenceMath.RandomInputs(tokens * hidden, random);
                var assignments = Route(tokens, random);
                var y = new float[tokens * hidden];
                kernels.ExpertSwiGlu(x, tokens, assignments, experts.Select(e => e?.Weights).ToList(), y);
                var (expected, magnitudes) = TestExpert.Reference(experts, x, tokens, hidden, assignments);
                ReferenceMath.AssertClose(y, expected, magnitudes, 2e-5, $"{isa} mixed formats × {tokens} tokens");
            }
        }
        finally
        {
            experts.ForEach(e => e?.Dispose());
        }
    }

    public static TheoryData<KernelIsa> Paths() => FormatCases.Paths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void GroupedExperts_OfManyTokens_MatchDoubleReference_AndOneThreadsBits(KernelIsa isa)
    {
        // 256 tokens of three experts each: the inputs' copy to 768 positions and the hidden
        // rows' layout are past ExpertRowMoves.PoolFloats and run split over the threads; the
        // formats mix, so some positions take their slot's own layout.
        var random = new Random(17);
        const int hidden = 256, tokens = 256;
        Assert.True(3L * tokens * hidden >= Experts.ExpertRowMoves.PoolFloats);
        Assert.True(3L * tokens * Intermediate >= Experts.ExpertRowMoves.PoolFloats);
        string[] formats = ["int4-g32", "bf16", "float32", "int4-g32", "fp8-128x128", "bf16"];
        var experts = formats.Select(format => (TestExpert?)TestExpert.Random(format, hidden, Intermediate, random)).ToList();
        try
        {
            var x = ReferenceMath.RandomInputs(tokens * hidden, random);
            var assignments = Route(tokens, random);
            var weights = experts.Select(e => e?.Weights).ToList();
            var results = new List<float[]>();
            foreach (int threads in new[] { 1, 2, 3 })
            {
                using var kernels = FormatCases.Kernels(isa, threads);
                var y = Enumerable.Repeat(float.NaN, tokens * hidden).ToArray();
                kernels.ExpertSwiGlu(x, tokens, assignments, weights, y);
                results.Add(y);
            }
            var (expected, magnitudes) = TestExpert.Reference(experts, x, tokens, hidden, assignments);
            ReferenceMath.AssertClose(results[0], expected, magnitudes, 2e-5, $"{isa} mixed formats × {tokens} tokens");
            Assert.Equal(results[0], results[1]);
            Assert.Equal(results[0], results[2]);
        }
        finally
        {
            experts.ForEach(e => e?.Dispose());
        }
    }

    [Fact]
    public void GroupedExperts_RejectAMissingExpert()
    {
        using var kernels = new CpuKernels(new KernelOptions { Threads = 1 });
        var error = Assert.Throws<ArgumentException>(() =>
            kernels.ExpertSwiGlu(new float[8], 1, [new ExpertAssignment(0, 1, 1f)], new ExpertWeights?[] { null, null }, new float[8]));
        Assert.Contains("expert 1", error.Message, StringComparison.Ordinal);
    }

    // Each token goes to three of the experts 0, 1, 3, 5, so experts share tokens; weights are
    // arbitrary (not normalized) and the order shuffled, so any mix-up of tokens or weights shows.
    private static ExpertAssignment[] Route(int tokens, Random random)
    {
        int[] pool = [0, 1, 3, 5];
        var assignments = new List<ExpertAssignment>();
        for (int t = 0; t < tokens; t++)
        {
            foreach (int e in pool.OrderBy(_ => random.Next()).Take(3))
            {
                assignments.Add(new ExpertAssignment(t, e, (float)(random.NextDouble() * 2 - 0.5)));
            }
        }
        return [.. assignments.OrderBy(_ => random.Next())];
    }
}
