using Kimi.Cluster.Kernels.Attention;
using Kimi.Cluster.Kernels.Tests.Reference;
using Kimi.Cluster.Kernels.Threading;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>
/// The pool's learning of which call follows which (for the workers' prefetch between calls), and
/// the weights the real jobs say each thread reads first: together they must tile the matrices
/// exactly as the pool splits the items.
/// </summary>
public sealed class NextCallPrefetchTests
{
    private static readonly WeightRange[][] SharesA = [[new(0x1000, 64)], [new(0x1040, 64)]];
    private static readonly WeightRange[][] SharesB = [[new(0x2000, 128)], [new(0x2080, 128), new(0x9000, 8)]];
    private static readonly WeightRange[][] SharesC = [[new(0x3000, 32)], []];

    [Fact]
    public void AfterACall_GivesTheWeightsOfTheCallThatFollowedIt()
    {
        var learning = new NextCallPrefetch();
        var (a, b, c) = (new Keyed(0x1000, SharesA), new Keyed(0x2000, SharesB), new Keyed(0x3000, SharesC));
        Assert.Null(Dispatch(learning, a));
        Assert.Null(Dispatch(learning, b));
        Assert.Null(Dispatch(learning, c));
        // The second step: each call now knows its successor, the last one the step's first.
        Assert.Equal(SharesB, Dispatch(learning, a));
        Assert.Equal(SharesC, Dispatch(learning, b));
        Assert.Equal(SharesA, Dispatch(learning, c));
    }

    [Fact]
    public void CallsWithoutAKey_AreSteppedOver_AndTheNextCallIsGivenOnlyAfterThem()
    {
        var learning = new NextCallPrefetch();
        var (a, b) = (new Keyed(0x1000, SharesA), new Keyed(0x2000, SharesB));
        var experts = new Keyed(0, SharesC);
        for (int step = 0; step < 2; step++)
        {
            Dispatch(learning, a);
            Dispatch(learning, experts);
            Dispatch(learning, b);
        }
        var (afterA, afterExperts) = (Dispatch(learning, a), Dispatch(learning, experts));
        Assert.Null(afterA); // the experts come first, and read other weights
        Assert.Equal(SharesB, afterExperts);
        Assert.Null(learning.Learnt(0));
    }

    [Fact]
    public void WhenTheFollowingCallReadsOtherWeights_TheyReplaceTheLearntOnes()
    {
        var learning = new NextCallPrefetch();
        var a = new Keyed(0x1000, SharesA);
        Dispatch(learning, a);
        Dispatch(learning, new Keyed(0x2000, SharesB));
        Dispatch(learning, a);
        WeightRange[][] otherSplit = [[new(0x2000, 64)], [new(0x2040, 192)]];
        Dispatch(learning, new Keyed(0x2000, otherSplit));
        Assert.Equal(otherSplit, learning.Learnt(0x1000));
    }

    [Theory]
    [InlineData("bf16", 301, 1056)]
    [InlineData("int4-g32", 603, 1056)]
    [InlineData("fp8-128x128", 333, 520)]
    [InlineData("fp8-128x128", 145, 256)]
    [InlineData("float32", 37, 96)]
    public void MatMul_ThreadsWeights_TileTheMatrixInThreadOrder(string format, int rows, int columns)
    {
        var random = new Random(rows);
        using var before = TestMatrix.Random(WeightShape.BFloat16(64, 64), random);
        using var matrix = TestMatrix.Random(FormatCases.Shape(format, rows, columns), random);
        using var kernels = new CpuKernels(new KernelOptions { Threads = 2, MinParallelBytes = 0 });
        foreach (int tokens in new[] { 1, 5 })
        {
            for (int step = 0; step < 2; step++)
            {
                kernels.MatMul(before.Matrix, new float[tokens * 64], new float[tokens * 64], tokens);
                kernels.MatMul(matrix.Matrix, new float[tokens * columns], new float[tokens * rows], tokens);
            }
            var shares = kernels.Pool.NextCall!.Learnt(before.Matrix.Data)!;
            AssertTiles(shares, matrix.Matrix);
            AssertScalesOfTheirRows(shares, matrix.Matrix);
        }
    }

    /// <summary>Each thread's scale range holds exactly the scale rows of its weight rows: one a row (int4), one a block of rows (fp8).</summary>
    private static void AssertScalesOfTheirRows(WeightRange[][] shares, WeightMatrix w)
    {
        if (w.Scales == 0)
            return;
        var shape = w.Shape;
        int rowsPerScaleRow = shape.Format == WeightFormat.Fp8Block ? shape.BlockRows : 1;
        long scaleRowBytes = shape.ScaleBytes / shape.ScaleRows;
        foreach (var ranges in shares.Where(r => r.Length > 0))
        {
            long firstRow = (ranges[0].Start - w.Data) / shape.RowBytes, endRow = firstRow + ranges[0].Bytes / shape.RowBytes;
            long firstScale = firstRow / rowsPerScaleRow, endScale = (endRow + rowsPerScaleRow - 1) / rowsPerScaleRow;
            Assert.Equal(new WeightRange(w.Scales + (nint)(firstScale * scaleRowBytes), (endScale - firstScale) * scaleRowBytes), ranges[1]);
        }
    }

    [Fact]
    public void MatMulPair_ThreadsWeights_TileBothMatrices()
    {
        var random = new Random(5);
        using var before = TestMatrix.Random(WeightShape.BFloat16(64, 64), random);
        using var first = TestMatrix.Random(WeightShape.BFloat16(150, 256), random);
        using var second = TestMatrix.Random(WeightShape.Int4Group(90, 256, 32), random);
        using var kernels = new CpuKernels(new KernelOptions { Threads = 2, MinParallelBytes = 0 });
        for (int step = 0; step < 2; step++)
        {
            kernels.MatMul(before.Matrix, new float[64], new float[64], 1);
            kernels.MatMul(first.Matrix, second.Matrix, new float[256], new float[150], new float[90], 1);
        }
        AssertTiles(kernels.Pool.NextCall!.Learnt(before.Matrix.Data)!, first.Matrix, second.Matrix);
    }

    [Theory]
    [InlineData(16, 2)]
    [InlineData(5, 2)]
    [InlineData(64, 3)]
    public unsafe void AbsorbedAttention_ThreadsWeights_TileBothHalvesByHead(int heads, int threads)
    {
        const int Nope = 16, Latent = 40, Rope = 8, Value = 24;
        var random = new Random(heads);
        var layout = AbsorbedAttentionTests.Layout(1, heads, Nope, Latent, Rope, Value);
        var keyAbsorb = GC.AllocateArray<float>(heads * Nope * Latent, pinned: true);
        var valueAbsorb = GC.AllocateArray<float>(heads * Latent * Value, pinned: true);
        var queries = Enumerable.Range(0, heads * (Nope + Rope)).Select(_ => (float)random.NextDouble()).ToArray();
        var rows = Enumerable.Range(0, 9 * (Latent + Rope)).Select(_ => (float)random.NextDouble()).ToArray();
        using var before = TestMatrix.Random(WeightShape.BFloat16(64, 64), random);
        using var kernels = new CpuKernels(new KernelOptions { Threads = threads, MinParallelBytes = 0 });
        for (int step = 0; step < 2; step++)
        {
            kernels.MatMul(before.Matrix, new float[64], new float[64], 1);
            kernels.AbsorbedAttention(layout, queries, keyAbsorb, new float[heads * Latent], queries.AsSpan(Nope), rows, [[0, 3, 8]],
                new float[heads * Latent], valueAbsorb, new float[heads * Value]);
        }
        var shares = kernels.Pool.NextCall!.Learnt(before.Matrix.Data)!;
        fixed (float* keys = keyAbsorb, values = valueAbsorb)
        {
            AssertTiles(shares, ((nint)keys, keyAbsorb.Length * 4L, true), ((nint)values, valueAbsorb.Length * 4L, true));
        }
    }

    private static WeightRange[][]? Dispatch(NextCallPrefetch learning, IWorkItems job)
    {
        learning.Dispatched(job, items: 4, threads: 2);
        return learning.After(job);
    }

    private static void AssertTiles(WeightRange[][] shares, params WeightMatrix[] matrices) =>
        AssertTiles(shares, [.. matrices.SelectMany(m => m.Scales == 0
            ? new[] { (m.Data, m.Shape.DataBytes, true) }
            : [(m.Data, m.Shape.DataBytes, true), (m.Scales, m.Shape.ScaleBytes, false)])]);

    /// <summary>
    /// Taken thread by thread, the ranges in each buffer run through it from start to end without a
    /// gap, each meeting the one before end to end when <c>Exact</c> (weights: a row is one
    /// thread's); scale ranges may overlap where two threads' rows share a scale row or block.
    /// </summary>
    private static void AssertTiles(WeightRange[][] shares, params (nint Start, long Bytes, bool Exact)[] buffers)
    {
        var all = shares.SelectMany(ranges => ranges).ToArray();
        Assert.True(shares.Count(ranges => ranges.Length > 0) > 1, "the call is split over the threads");
        Assert.All(all, range => Assert.Contains(buffers, b => range.Start >= b.Start && range.Start + range.Bytes <= b.Start + b.Bytes));
        foreach (var (start, bytes, exact) in buffers)
        {
            var inside = all.Where(r => r.Start >= start && r.Start < start + bytes).ToArray();
            Assert.Equal(0, inside[0].Start - start);
            for (int i = 1; i < inside.Length; i++)
            {
                long end = inside[i - 1].Start + inside[i - 1].Bytes - start, next = inside[i].Start - start;
                Assert.True(exact ? next == end : next <= end && next >= inside[i - 1].Start - start,
                    $"range {i} starts {next} bytes in; the one before ends at {end}");
            }
            Assert.Equal(bytes, inside[^1].Start + inside[^1].Bytes - start);
        }
    }

    private sealed class Keyed(nint key, WeightRange[][] shares) : IWorkItems
    {
        public nint CallKey => key;

        public void Execute(int item)
        {
        }

        public int ThreadWeights(int thread, int threads, int items, Span<WeightRange> ranges)
        {
            shares[thread].CopyTo(ranges);
            return shares[thread].Length;
        }
    }
}
