using BenchmarkDotNet.Attributes;

namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>
/// y = x·Wᵀ per weight format at 1 token (decode: memory-bound, judge by Weight GB/s) and 64 tokens
/// (prefill-like: compute-bound, judge by GFLOP/s). Rotates over copies larger than the L3 cache.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(KernelBenchmarkConfig))]
public class MatMulBenchmarks
{
    private CpuKernels? _kernels;
    private BenchmarkMatrices? _matrices;
    private float[] _x = [];
    private float[] _y = [];

    [Params("bf16", "int4", "fp8", "float32", "f16")]
    public string Format { get; set; } = "bf16";

    /// <summary>[out, in]: an attention/MLP projection and its transpose-shaped sibling.</summary>
    [Params("2048x7168", "7168x2048")]
    public string Shape { get; set; } = "2048x7168";

    [Params(1, 64)]
    public int Tokens { get; set; } = 1;

    /// <summary>Weight bytes one call reads (data + scales as stored), for the throughput column.</summary>
    public static long StoredBytesPerCall(string format, string shape)
    {
        var (rows, columns) = ParseShape(shape);
        return BenchmarkMatrices.ShapeOf(format, rows, columns).StoredBytes;
    }

    [GlobalSetup]
    public void Setup()
    {
        _kernels = new CpuKernels();
        var (rows, columns) = ParseShape(Shape);
        _matrices = new BenchmarkMatrices(BenchmarkMatrices.ShapeOf(Format, rows, columns), 256L << 20, seed: 1);
        _x = Enumerable.Range(0, Tokens * columns).Select(i => (i % 17 - 8) * 0.125f).ToArray();
        _y = new float[Tokens * rows];
        Console.WriteLine($"// {_kernels.Description}; {_matrices.Shape}: {_matrices.Shape.StoredBytes} bytes per call");
    }

    [Benchmark]
    public void MatMul() => _kernels!.MatMul(_matrices!.Next(), _x, _y, Tokens);

    [GlobalCleanup]
    public void Cleanup()
    {
        _matrices?.Dispose();
        _kernels?.Dispose();
    }

    private static (int Rows, int Columns) ParseShape(string shape)
    {
        var parts = shape.Split('x');
        return (int.Parse(parts[0]), int.Parse(parts[1]));
    }
}
