using BenchmarkDotNet.Running;
using Kimi.Cluster.Model.Benchmarks;

if (args.Contains("--quick"))
{
    try
    {
        QuickSteps.Run(StepSettings.Parse(args));
    }
    catch (ArgumentException error)
    {
        Console.Error.WriteLine(error.Message);
        return 2;
    }
    return 0;
}
BenchmarkSwitcher.FromAssembly(typeof(QuickSteps).Assembly).Run(args);
return 0;
