using System.Globalization;
using Kimi.Cluster.Bench.Checkpoints;
using Spectre.Console;

namespace Kimi.Cluster.Bench.Output;

/// <summary>Prints what `checkpoint` wrote: parameters, bytes per dtype and the bytes one token reads, by part.</summary>
public static class CheckpointTable
{
    public static void Write(IAnsiConsole console, CheckpointSummary summary)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(summary);
        var table = new Table().Title($"{summary.Spec.Format.ToString().ToLowerInvariant()} checkpoint")
            .AddColumn("quantity").AddColumn(new TableColumn("value").RightAligned());
        Row(table, "parameters", Count(summary.Parameters));
        Row(table, "files", Count(summary.Files));
        Row(table, "file bytes", Bytes(summary.FileBytes));
        foreach (var (dtype, bytes) in summary.BytesByDtype)
            Row(table, $"{dtype} bytes", Bytes(bytes));
        foreach (var (part, bytes) in summary.TokenBytesByPart.Where(p => p.Value > 0))
            Row(table, $"token reads: {part.Replace('_', ' ')}", Bytes(bytes));
        Row(table, "bytes one token touches at batch 1", Bytes(summary.TokenBytes));
        Row(table, "write seconds", summary.Seconds.ToString("0.00", CultureInfo.InvariantCulture));
        console.Write(table);
    }

    private static void Row(Table table, string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Exact bytes for scripts and diffs, and kB or MB (powers of 1000) for people.</summary>
    private static string Bytes(long value) => value < 1_000_000
        ? string.Create(CultureInfo.InvariantCulture, $"{value:N0} ({value / 1e3:0.0} kB)")
        : string.Create(CultureInfo.InvariantCulture, $"{value:N0} ({value / 1e6:0.0} MB)");
}
