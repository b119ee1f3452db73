using BenchmarkDotNet.Attributes;

namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>
/// One MoE layer's grouped routed-expert SwiGLU at Kimi K2 expert sizes (hidden 7168, intermediate
/// 2048), 16 experts on this shard, top-8 routing over 64 experts (so about 2 of 8 land here per token).
/// The quick measurement can set another <see cref="ExpertLayerShape"/> (the bench model's layer).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(KernelBenchmarkConfig))]
public class ExpertBenchmarks
{
    // Several routings taken in turn, so a layer whose used experts would fit in the cache (the
    // bench model's 8 of 128 small experts) still reads them from memory, as a model's step does.
    private const int Routings = 16;

    // And copies of the layer's experts taken in turn with them, at least this many bytes in all:
    // with one copy the 16 routings of the bench model's layer (8 of 128 experts each) found part
    // of their experts still in this machine's large last-level cache, and the quick measurement
    // gave 57-66 GB/s where the model's own expert calls, which read four layers in a step, ran at
    // 43-50 (the same loop over the model's experts: 45-50; over one layer and 16 routings: 60).
    private const long MinimumBytes = 1L << 30;

    private CpuKernels? _kernels;
    private readonly List<WeightBuffer> _buffers = [];
    private ExpertWeights?[][] _copies = [];
    private ExpertAssignment[][] _routings = [];
    private int _next;
    private float[] _x = [];
    private float[] _y = [];

    [Params("bf16", "int4")]
    public string Format { get; set; } = "int4";

    [Params(1, 64)]
    public int Tokens { get; set; } = 1;

    /// <summary>The layer measured; Kimi K2's expert sizes on a 16-expert shard unless set.</summary>
    public ExpertLayerShape Layer { get; set; } = ExpertLayerShape.KimiShard;

    /// <summary>The kernels' threads; 0 for their default (the processor count).</summary>
    public int Threads { get; set; }

    /// <summary>
    /// One routing and one copy of the layer: every call reads the same experts, which stay in the
    /// cache between calls (the kernels' speed without memory's).
    /// </summary>
    public bool Resident { get; set; }

    /// <summary>Stored bytes of the experts one call uses (the mean over the routings), for the throughput column.</summary>
    public static long StoredBytesPerCall(string format, int tokens, ExpertLayerShape layer, bool resident = false) =>
        (long)Enumerable.Range(0, resident ? 1 : Routings).Average(r => StoredBytesOf(Route(tokens, layer, r), format, layer));

    /// <summary>Stored bytes of the experts the next <see cref="ExpertSwiGlu"/> call uses.</summary>
    public long StoredBytesOfNextCall() => StoredBytesOf(_routings[_next % _routings.Length], Format, Layer);

    private static long StoredBytesOf(ExpertAssignment[] routing, string format, ExpertLayerShape layer)
    {
        int used = routing.Select(a => a.Expert).Distinct().Count();
        var gate = BenchmarkMatrices.ShapeOf(format, layer.Intermediate, layer.Hidden);
        var down = BenchmarkMatrices.ShapeOf(format, layer.Hidden, layer.Intermediate);
        return used * (2 * gate.StoredBytes + down.StoredBytes);
    }

    [GlobalSetup]
    public void Setup()
    {
        _kernels = Threads > 0 ? new CpuKernels(new KernelOptions { Threads = Threads }) : new CpuKernels();
        var random = new Random(3);
        var gateShape = BenchmarkMatrices.ShapeOf(Format, Layer.Intermediate, Layer.Hidden);
        var downShape = BenchmarkMatrices.ShapeOf(Format, Layer.Hidden, Layer.Intermediate);
        long layerBytes = Layer.LocalExperts * (2 * gateShape.StoredBytes + downShape.StoredBytes);
        _copies = new ExpertWeights?[Resident ? 1 : (int)Math.Max(1, (MinimumBytes + layerBytes - 1) / layerBytes)][];
        for (int copy = 0; copy < _copies.Length; copy++)
        {
            _copies[copy] = new ExpertWeights?[Layer.LocalExperts];
            for (int e = 0; e < Layer.LocalExperts; e++)
            {
                var gate = Add(BenchmarkMatrices.Create(gateShape, random));
                var up = Add(BenchmarkMatrices.Create(gateShape, random));
                var down = Add(BenchmarkMatrices.Create(downShape, random));
                _copies[copy][e] = new ExpertWeights(gate, up, down);
            }
        }
        _routings = Enumerable.Range(0, Resident ? 1 : Routings).Select(r => Route(Tokens, Layer, r)).ToArray();
        _x = Enumerable.Range(0, Tokens * Layer.Hidden).Select(i => (i % 13 - 6) * 0.05f).ToArray();
        _y = new float[Tokens * Layer.Hidden];
        Console.WriteLine($"// {_kernels.Description}; {_routings[0].Length} assignments, {StoredBytesPerCall(Format, Tokens, Layer, Resident)} bytes per call, {_copies.Length} copies of the layer");
    }

    [Benchmark]
    public void ExpertSwiGlu()
    {
        int call = _next++;
        _kernels!.ExpertSwiGlu(_x, Tokens, _routings[call % _routings.Length], _copies[call % _copies.Length], _y);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _buffers.ForEach(b => b.Dispose());
        _kernels?.Dispose();
    }

    /// <summary>Each token picks top-k of the global experts; those among the first local ones are this shard's.</summary>
    private static ExpertAssignment[] Route(int tokens, ExpertLayerShape layer, int routing)
    {
        var random = new Random(tokens * Routings + routing);
        var assignments = new List<ExpertAssignment>();
        for (int t = 0; t < tokens; t++)
        {
            var picked = Enumerable.Range(0, layer.GlobalExperts).OrderBy(_ => random.Next()).Take(layer.TopK);
            foreach (int e in picked.Where(e => e < layer.LocalExperts))
            {
                assignments.Add(new ExpertAssignment(t, e, 1f / layer.TopK));
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
