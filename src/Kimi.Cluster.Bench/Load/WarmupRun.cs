namespace Kimi.Cluster.Bench.Load;

/// <summary>
/// The requests a run sends before it measures. A .NET server goes on compiling its hot paths to
/// optimized code for thousands of tokens after it starts: in our router the tiered JIT's thread
/// took 27–45% of the process's CPU samples during its second and fourth batch-1 runs of 1024
/// tokens, and the router's CPU a token fell from 0.45 to 0.23 ms once it had finished. A server
/// compiled ahead of time pays none of that, so a comparison measured from a cold start says more
/// about start-up than about serving. Same lengths, concurrency and connections as the run, all
/// at once, and prompts of their own, so that none of them is in a prefix cache when the measured
/// run sends it.
/// </summary>
public static class WarmupRun
{
    /// <summary>The warm-up's settings; null when the run asks for none.</summary>
    public static BenchSettings? SettingsFor(BenchSettings run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.WarmupPrompts == 0
            ? null
            : run with { NumPrompts = run.WarmupPrompts, RequestRate = null, Seed = ~run.Seed, WarmupPrompts = 0 };
    }
}
