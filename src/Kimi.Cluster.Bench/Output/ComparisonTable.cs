using Kimi.Cluster.Bench.Results;
using Spectre.Console;

namespace Kimi.Cluster.Bench.Output;

/// <summary>Prints each metric of run B as a ratio of run A.</summary>
public static class ComparisonTable
{
    public static void Write(IAnsiConsole console, IReadOnlyList<MetricComparison> rows, string nameA, string nameB)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(rows);
        var table = new Table()
            .AddColumn("metric")
            .AddColumn(new TableColumn(Markup.Escape($"A: {nameA}")).RightAligned())
            .AddColumn(new TableColumn(Markup.Escape($"B: {nameB}")).RightAligned())
            .AddColumn(new TableColumn("B / A").RightAligned());
        foreach (var row in rows)
        {
            table.AddRow(Markup.Escape(row.Name), ResultTable.Number(row.A), ResultTable.Number(row.B), Markup.Escape(row.RatioText));
        }
        console.Write(table);
    }
}
