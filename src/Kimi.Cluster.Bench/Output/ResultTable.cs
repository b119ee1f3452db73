using System.Globalization;
using Kimi.Cluster.Bench.Results;
using Spectre.Console;

namespace Kimi.Cluster.Bench.Output;

/// <summary>Prints a run's result as a table; failures are shown with their first errors, never left out.</summary>
public static class ResultTable
{
    public static void Write(IAnsiConsole console, BenchResult result)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(result);
        var table = new Table().Title($"{result.Url} {result.Model}".Trim()).AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        Row(table, "successful requests", $"{result.Completed} / {result.NumPrompts}");
        Row(table, "failed requests", result.Failed.ToString(CultureInfo.InvariantCulture));
        Row(table, "duration s", Number(result.DurationSeconds));
        Row(table, "input / output tokens", $"{result.TotalInputTokens} / {result.TotalOutputTokens}");
        Row(table, "requests/s", Number(result.RequestThroughput));
        Row(table, "input tok/s", Number(result.InputThroughput));
        Row(table, "output tok/s", Number(result.OutputThroughput));
        Latency(table, "TTFT", result.Ttft);
        Latency(table, "ITL", result.Itl);
        Latency(table, "E2E", result.E2e);
        console.Write(table);
        foreach (string error in result.Errors)
            console.MarkupLineInterpolated($"[red]failed:[/] {error}");
    }

    private static void Latency(Table table, string name, LatencySummary summary)
    {
        Row(table, $"median {name} ms", Number(summary.MedianMs));
        Row(table, $"p99 {name} ms", Number(summary.P99Ms));
    }

    private static void Row(Table table, string name, string value) =>
        table.AddRow(Markup.Escape(name), Markup.Escape(value));

    internal static string Number(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
