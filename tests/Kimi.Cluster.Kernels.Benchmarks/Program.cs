using BenchmarkDotNet.Running;
using Kimi.Cluster.Kernels.Benchmarks;

if (args.Contains("--quick"))
{
    try
    {
        QuickMeasure.Run(args);
    }
    catch (ArgumentException error)
    {
        Console.Error.WriteLine(error.Message);
        return 2;
    }
    return 0;
}
BenchmarkSwitcher.FromAssembly(typeof(QuickMeasure).Assembly).Run(args);
return 0;
