using System.CommandLine;

namespace Kimi.Cluster.Router.Cli;

/// <summary>Owns the router's command tree: the root command and its subcommands.</summary>
public static class RouterCommand
{
    public static RootCommand Create() =>
        new("Kimi Cluster router: an OpenAI-compatible HTTP API in front of attention workers.")
        {
            LocalCommand.Create(),
            ServeCommand.Create(),
            PlanCommand.Create(),
        };
}
