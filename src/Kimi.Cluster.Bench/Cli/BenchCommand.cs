using System.CommandLine;

namespace Kimi.Cluster.Bench.Cli;

/// <summary>Owns the bench tool's command tree: the root command and its subcommands.</summary>
public static class BenchCommand
{
    public static RootCommand Create() =>
        new("Kimi Cluster bench: load an OpenAI-compatible completions server on loopback and measure it; write random checkpoints to serve.")
        {
            RunCommand.Create(),
            CompareCommand.Create(),
            CheckpointCommand.Create(),
        };
}
