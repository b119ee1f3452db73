using BenchmarkDotNet.Running;
using Kimi.Cluster.Kernels.Benchmarks;

if (args.Contains("--quick"))
{
    QuickMeasure.Run(args);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(QuickMeasure).Assembly).Run(args);
