using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Kimi.Cluster.Kernels.Diagnostics;

namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>
/// `--quick`: a Stopwatch measurement in seconds instead of BenchmarkDotNet's minutes. Reports
/// weight GB/s of matvec (1 token) and 64-token matmul next to a plain read bandwidth (summing
/// 1 GB on the kernels' own threads: <see cref="ReadBandwidthProbe"/>), so the kernels can be judged against the machine.
/// </summary>
public static unsafe class QuickMeasure
{
    public static void Run(string[] args)
    {
        int threads = ArgValue(args, "--threads", 2);
        var expertLayer = args.Contains("--expert-layer")
            ? ExpertLayerShape.Parse(ArgValue(args, "--expert-layer", ""))
            : ExpertLayerShape.KimiShard;
        using var kernels = new CpuKernels(new KernelOptions { Threads = threads });
        Console.WriteLine(kernels.Description);
        using (var probe = new ReadBandwidthProbe(kernels, bytes: 1L << 30))
        {
            Console.WriteLine($"read bandwidth (sum 1 GB, {threads} threads): {probe.Measure(passes: 10):F1} GB/s");
        }
        if (args.Contains("--attention"))
        {
            foreach (string widths in ArgValue(args, "--widths", "bench,k25").Split(','))
            {
                foreach (string kase in ArgValue(args, "--cases", "prefill 512x0,prefill 512x4096,decode 64x1024,decode 1x8192").Split(','))
                    ReportAttention(kernels, AttentionBenchmarks.Parse(widths, kase, args.Contains("--cold")), args.Contains("--digest"));
            }
            return;
        }
        if (args.Contains("--experts"))
        {
            foreach (string format in ArgValue(args, "--formats", "int4").Split(','))
            {
                foreach (int tokens in ArgValue(args, "--tokens", "1,64").Split(',').Select(int.Parse))
                {
                    ReportExperts(format, tokens, expertLayer, threads, args.Contains("--resident"));
                }
            }
            return;
        }
        if (args.Contains("--pair"))
        {
            // Two matrices of one input (MLA's q_a and kv_a: "1536x7168,576x7168" for K2.5): two calls against one.
            var sizes = ArgValue(args, "--pair", "").Split(',').Select(size => (Rows: int.Parse(size.Split('x')[0]), Columns: int.Parse(size.Split('x')[1]))).ToArray();
            foreach (string format in ArgValue(args, "--formats", "bf16").Split(','))
            {
                long copyBytes = args.Contains("--resident") ? 0 : 128L << 20;
                using var first = new BenchmarkMatrices(BenchmarkMatrices.ShapeOf(format, sizes[0].Rows, sizes[0].Columns), copyBytes, seed: 1);
                using var second = new BenchmarkMatrices(BenchmarkMatrices.ShapeOf(format, sizes[1].Rows, sizes[1].Columns), copyBytes, seed: 2);
                foreach (int tokens in ArgValue(args, "--tokens", "1,64").Split(',').Select(int.Parse))
                {
                    ReportPair(kernels, first, second, tokens);
                }
            }
            return;
        }
        string[] formats = ArgValue(args, "--formats", "bf16,int4,fp8").Split(',');
        foreach (string format in formats)
        {
            foreach (string size in ArgValue(args, "--shapes", "2048x7168,7168x2048").Split(','))
            {
                int rows = int.Parse(size.Split('x')[0]), columns = int.Parse(size.Split('x')[1]);
                var shape = BenchmarkMatrices.ShapeOf(format, rows, columns);
                // Copies past the 32 MiB-class L3 so each call streams from memory; --resident keeps one.
                using var matrices = new BenchmarkMatrices(shape, args.Contains("--resident") ? 0 : 256L << 20, seed: 1);
                if (args.Contains("--per-call-read"))
                {
                    Console.WriteLine($"{shape,-36} read alone:  {PerCallRead.Measure(matrices, threads),6:F1} GB/s (sum of the same bytes, same pool and split)");
                }
                foreach (int tokens in ArgValue(args, "--tokens", "1,64").Split(',').Select(int.Parse))
                {
                    Report(kernels, matrices, tokens);
                }
            }
        }
    }

    private static void Report(CpuKernels kernels, BenchmarkMatrices matrices, int tokens)
    {
        var shape = matrices.Shape;
        var x = new float[tokens * shape.Columns];
        var y = new float[tokens * shape.Rows];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 17 - 8) * 0.125f;
        }
        for (int i = 0; i < matrices.Count; i++)
        {
            kernels.MatMul(matrices.Next(), x, y, tokens);
        }
        // The rotation over copies keeps every call reading from memory.
        var times = CallTimes.Sorted(() => kernels.MatMul(matrices.Next(), x, y, tokens), seconds: 1.5, calls: 20);
        double p10 = times[times.Count / 10], median = times[times.Count / 2];
        double gbs = shape.StoredBytes / p10 / 1e9;
        double gflops = 2.0 * tokens * shape.Rows * shape.Columns / p10 / 1e9;
        Console.WriteLine(
            $"{shape,-36} tokens {tokens,3}: {p10 * 1e6,9:F1} µs (median {median * 1e6:F1})  {gbs,6:F1} weight GB/s  {gflops,6:F1} GFLOP/s");
    }

    /// <summary>
    /// Two calls (one per matrix) against one paired call, taken in turn so that both see the same
    /// machine: p10 and median of each, and their ratio.
    /// </summary>
    private static void ReportPair(CpuKernels kernels, BenchmarkMatrices first, BenchmarkMatrices second, int tokens)
    {
        var x = new float[tokens * first.Shape.Columns];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 17 - 8) * 0.125f;
        }
        float[] y = new float[tokens * first.Shape.Rows], ySecond = new float[tokens * second.Shape.Rows];
        List<double> separate = [], paired = [];
        var total = Stopwatch.StartNew();
        for (int i = 0; total.Elapsed.TotalSeconds < 3 || i < 40; i++)
        {
            var (a, b) = (first.Next(), second.Next());
            long start = Stopwatch.GetTimestamp();
            if (i % 2 == 0)
            {
                kernels.MatMul(a, x, y, tokens);
                kernels.MatMul(b, x, ySecond, tokens);
            }
            else
            {
                kernels.MatMul(a, b, x, y, ySecond, tokens);
            }
            (i % 2 == 0 ? separate : paired).Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        separate.Sort();
        paired.Sort();
        double P10(List<double> t) => t[t.Count / 10] * 1e6;
        double Median(List<double> t) => t[t.Count / 2] * 1e6;
        Console.WriteLine(
            $"{first.Shape} + {second.Shape} tokens {tokens,3}: two calls {P10(separate),8:F1} µs (median {Median(separate):F1}), " +
            $"one paired call {P10(paired),8:F1} µs (median {Median(paired):F1}); paired ÷ two: {P10(paired) / P10(separate):F3} (median {Median(paired) / Median(separate):F3})");
    }

    private static void ReportAttention(CpuKernels kernels, AttentionCall call, bool digest)
    {
        call.Run(kernels);
        if (digest)
            Console.WriteLine($"outputs digest, {call.Description}: {call.OutputDigest():X16}");
        var times = CallTimes.Sorted(() => call.Run(kernels), seconds: 1, calls: 10);
        double p10 = times[times.Count / 10], median = times[times.Count / 2];
        Console.WriteLine($"attention, {call.Description}: {p10 * 1e3,8:F3} ms (median {median * 1e3:F3})  {call.Flops / p10 / 1e9,6:F1} GFLOP/s");
    }

    private static void ReportExperts(string format, int tokens, ExpertLayerShape layer, int threads, bool resident)
    {
        var benchmark = new ExpertBenchmarks { Format = format, Tokens = tokens, Layer = layer, Threads = threads, Resident = resident };
        benchmark.Setup();
        try
        {
            // Routings use different numbers of experts, so each call's rate is its own bytes over
            // its own time: a low percentile of times alone would favour the routings using fewest.
            var rates = new List<double>();
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < 2 || rates.Count < 10)
            {
                long bytes = benchmark.StoredBytesOfNextCall();
                long start = Stopwatch.GetTimestamp();
                benchmark.ExpertSwiGlu();
                rates.Add(bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e9);
            }
            rates.Sort();
            long mean = ExpertBenchmarks.StoredBytesPerCall(format, tokens, layer, resident);
            double p90 = rates[rates.Count * 9 / 10], median = rates[rates.Count / 2];
            Console.WriteLine(
                $"experts {format} ({layer}) tokens {tokens,3}: {p90,6:F1} weight GB/s (median {median:F1}; {mean / 1e6:F0} MB of used experts a call, {mean / p90 / 1e3,7:F1} µs at that rate)");
        }
        finally
        {
            benchmark.Cleanup();
        }
    }

    /// <summary>Best of ten passes summing a 1 GB float array, split evenly over the threads.</summary>
    private static int ArgValue(string[] args, string name, int fallback) =>
        int.TryParse(ArgValue(args, name, ""), out int value) ? value : fallback;

    private static string ArgValue(string[] args, string name, string fallback)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
