using System.CommandLine;
using System.Text.Json;
using Kimi.Cluster.Bench.Output;
using Kimi.Cluster.Bench.Results;
using Spectre.Console;

namespace Kimi.Cluster.Bench.Cli;

/// <summary>Owns the `compare` subcommand: each metric of run B as a ratio of run A.</summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var a = new Argument<FileInfo>("A.json") { Description = "The baseline run's result." };
        var b = new Argument<FileInfo>("B.json") { Description = "The run compared with it." };
        var command = new Command("compare", "Print every metric of run B as a ratio of run A (e.g. output tok/s: 0.93×).") { a, b };
        command.SetAction(async (parse, cancellation) =>
        {
            var fileA = parse.GetRequiredValue(a);
            var fileB = parse.GetRequiredValue(b);
            try
            {
                var resultA = await BenchJson.ReadAsync(fileA.FullName, cancellation);
                var resultB = await BenchJson.ReadAsync(fileB.FullName, cancellation);
                ComparisonTable.Write(AnsiConsole.Console, BenchComparison.Compare(resultA, resultB), fileA.Name, fileB.Name);
                return 0;
            }
            catch (Exception error) when (error is IOException or JsonException or UnauthorizedAccessException)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]cannot compare: {error.Message}[/]");
                return 1;
            }
        });
        return command;
    }
}
