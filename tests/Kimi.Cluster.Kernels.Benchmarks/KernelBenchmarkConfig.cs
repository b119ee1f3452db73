using BenchmarkDotNet.Configs;

namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>BenchmarkDotNet's defaults plus the weight-throughput and bytes-per-call columns.</summary>
public sealed class KernelBenchmarkConfig : ManualConfig
{
    public KernelBenchmarkConfig()
    {
        AddColumn(new WeightThroughputColumn(perSecond: false));
        AddColumn(new WeightThroughputColumn(perSecond: true));
    }
}
