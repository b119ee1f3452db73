using BenchmarkDotNet.Attributes;

namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>
/// MLA latent attention (absorbed form) as prefill chunks and decode batches at the bench model's and
/// K2.5's widths: compute-bound on cache rows held in L2/L3, so judge it by GFLOP/s
/// (<see cref="AttentionCall.Flops"/> over the mean; the quick mode prints it).
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

    [GlobalSetup]
    public void Setup()
    {
        _kernels = new CpuKernels();
        _call = Parse(Widths, Case);
        Console.WriteLine($"// {_kernels.Description}; {_call.Description}: {_call.Flops / 1e9:F2} GFLOP a call");
    }

    [Benchmark]
    public void LatentAttention() => _call!.Run(_kernels!);

    [GlobalCleanup]
    public void Cleanup() => _kernels?.Dispose();

    internal static AttentionCall Parse(string widths, string kase)
    {
        var parts = kase.Split(' ', 'x');
        if (parts.Length != 3 || parts[0] is not ("prefill" or "decode"))
            throw new ArgumentException($"attention case '{kase}': prefill TOKENSxCACHED or decode SEQUENCESxROWS");
        return new AttentionCall(widths, int.Parse(parts[1]), int.Parse(parts[2]), decode: parts[0] == "decode");
    }
}
