using BenchmarkDotNet.Attributes;

namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>
/// MLA latent attention (absorbed form) as prefill chunks and decode batches at the bench model's and
/// K2.5's widths, judged by GFLOP/s (<see cref="AttentionCall.Flops"/> over the mean; the quick mode
/// prints it): warm (the rows in L2/L3 from the call before) and cold (from memory, as a decode
/// step's layers find their caches).
/// </summary>
[MemoryDiagnoser]
public class AttentionBenchmarks
{
    private CpuKernels? _kernels;
    private AttentionCall? _call;

    [Params("bench", "k25")]
    public string Widths { get; set; } = "bench";

    /// <summary>"prefill TxC": T tokens of one prompt after C cached rows; "decode TxC": T sequences over C rows each.</summary>
    [Params("prefill 512x0", "prefill 512x4096", "decode 64x1024", "decode 1x8192")]
    public string Case { get; set; } = "prefill 512x0";

    /// <summary>Whether each call reads rows from memory, as each layer's cache in a decode step (<see cref="AttentionCall"/>'s cold).</summary>
    [Params(false, true)]
    public bool Cold { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _kernels = new CpuKernels();
        _call = Parse(Widths, Case, Cold);
        Console.WriteLine($"// {_kernels.Description}; {_call.Description}: {_call.Flops / 1e9:F2} GFLOP a call");
    }

    [Benchmark]
    public void LatentAttention() => _call!.Run(_kernels!);

    [GlobalCleanup]
    public void Cleanup() => _kernels?.Dispose();

    internal static AttentionCall Parse(string widths, string kase, bool cold = false)
    {
        var parts = kase.Split(' ', 'x');
        if (parts.Length != 3 || parts[0] is not ("prefill" or "decode"))
            throw new ArgumentException($"attention case '{kase}': prefill TOKENSxCACHED or decode SEQUENCESxROWS");
        return new AttentionCall(widths, int.Parse(parts[1]), int.Parse(parts[2]), decode: parts[0] == "decode", cold);
    }
}
