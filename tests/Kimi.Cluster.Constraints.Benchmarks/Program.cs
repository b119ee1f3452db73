using BenchmarkDotNet.Running;
using Kimi.Cluster.Constraints.Benchmarks;

BenchmarkSwitcher.FromAssembly(typeof(MaskBenchmarks).Assembly).Run(args);
