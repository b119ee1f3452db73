using BenchmarkDotNet.Running;
using Kimi.Cluster.Model.Benchmarks;

if (args.Contains("--quick"))
    return QuickCommand.Create().Parse(args).Invoke();
BenchmarkSwitcher.FromAssembly(typeof(QuickSteps).Assembly).Run(args);
return 0;
