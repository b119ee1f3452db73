using BenchmarkDotNet.Attributes;

namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>
/// One MoE layer's grouped routed-expert SwiGLU at Kimi K2 expert sizes (hidden 7168, intermediate
/// 2048), 16 experts on this shard, top-8 routing over 64 experts (so about 2 of 8 land here per token).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(KernelBenchmarkConfig))]
public class ExpertBenchmarks
{
    private const int Hidden = 7168;
    private const int Intermediate = 2048;
    private const int LocalExperts = 16;

    private CpuKernels? _kernels;
    private readonly List<WeightBuffer> _buffers = [];
    private ExpertWeights?[] _experts = [];
    private ExpertAssignment[] _assignments = [];
    private float[] _x = [];
    private float[] _y = [];

    [Params("bf16", "int4")]
    public string Format { get; set; } = "int4";

    [Params(1, 64)]
    public int Tokens { get; set; } = 1;

    /// <summary>Stored bytes of the experts one call uses, for the throughput column.</summary>
    public static long StoredBytesPerCall(string format, int tokens)
    {
        int used = Route(tokens).Select(a => a.Expert).Distinct().Count();
        var gate = BenchmarkMatrices.ShapeOf(format, Intermediate, Hidden);
        var down = BenchmarkMatrices.ShapeOf(format, Hidden, Intermediate);
        return used * (2 * gate.StoredBytes + down.StoredBytes);
    }

    [GlobalSetup]
    public void Setup()
    {
        _kernels = new CpuKernels();
        var random = new Random(3);
        _experts = new ExpertWeights?[LocalExperts];
        for (int e = 0; e < LocalExperts; e++)
        {
            var gate = Add(BenchmarkMatrices.Create(BenchmarkMatrices.ShapeOf(Format, Intermediate, Hidden), random));
            var up = Add(BenchmarkMatrices.Create(BenchmarkMatrices.ShapeOf(Format, Intermediate, Hidden), random));
            var down = Add(BenchmarkMatrices.Create(BenchmarkMatrices.ShapeOf(Format, Hidden, Intermediate), random));
            _experts[e] = new ExpertWeights(gate, up, down);
        }
        _assignments = Route(Tokens);
        _x = Enumerable.Range(0, Tokens * Hidden).Select(i => (i % 13 - 6) * 0.05f).ToArray();
        _y = new float[Tokens * Hidden];
        Console.WriteLine($"// {_kernels.Description}; {_assignments.Length} assignments, {StoredBytesPerCall(Format, Tokens)} bytes per call");
    }

    [Benchmark]
    public void ExpertSwiGlu() => _kernels!.ExpertSwiGlu(_x, Tokens, _assignments, _experts, _y);

    [GlobalCleanup]
    public void Cleanup()
    {
        _buffers.ForEach(b => b.Dispose());
        _kernels?.Dispose();
    }

    /// <summary>Each token picks 8 of 64 global experts; those among the first 16 are this shard's.</summary>
    private static ExpertAssignment[] Route(int tokens)
    {
        var random = new Random(tokens);
        var assignments = new List<ExpertAssignment>();
        for (int t = 0; t < tokens; t++)
        {
            foreach (int e in Enumerable.Range(0, 64).OrderBy(_ => random.Next()).Take(8).Where(e => e < LocalExperts))
            {
                assignments.Add(new ExpertAssignment(t, e, 0.125f));
            }
        }
        // A decode step must touch some expert; keep the single-token case from routing nowhere.
        return assignments.Count > 0 ? [.. assignments] : [new ExpertAssignment(0, 0, 1f)];
    }

    private WeightMatrix Add(WeightBuffer buffer)
    {
        _buffers.Add(buffer);
        return buffer.Matrix;
    }
}
