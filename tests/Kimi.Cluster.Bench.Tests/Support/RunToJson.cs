using Kimi.Cluster.Bench.Cli;
using Kimi.Cluster.Bench.Load;
using Kimi.Cluster.Bench.Results;
using Spectre.Console;

namespace Kimi.Cluster.Bench.Tests.Support;

/// <summary>Runs `run` as the command does, its table to nowhere and its JSON to a temporary file, and reads the JSON back.</summary>
internal static class RunToJson
{
    public static async Task<(int ExitCode, BenchResult Result)> RunAsync(BenchSettings settings)
    {
        string output = Path.Combine(Path.GetTempPath(), $"kimi-bench-{Guid.NewGuid():N}.json");
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) });
        try
        {
            int exitCode = await RunAction.ExecuteAsync(settings, output, console, CancellationToken.None);
            return (exitCode, await BenchJson.ReadAsync(output, CancellationToken.None));
        }
        finally
        {
            File.Delete(output);
        }
    }
}
