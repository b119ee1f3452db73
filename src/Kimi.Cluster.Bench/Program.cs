using Kimi.Cluster.Bench.Cli;

namespace Kimi.Cluster.Bench;

/// <summary>Entry point of the bench tool: `run` drives a server, `compare` sets two runs side by side, `checkpoint` writes a random model to serve.</summary>
internal static class Program
{
    // A named class rather than top-level statements, so that a test project referencing
    // both this tool and the router does not see two global `Program` types.
    private static Task<int> Main(string[] args) => BenchCommand.Create().Parse(args).InvokeAsync();
}
