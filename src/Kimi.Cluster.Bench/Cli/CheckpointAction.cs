using Kimi.Cluster.Bench.Checkpoints;
using Kimi.Cluster.Bench.Output;
using Spectre.Console;

namespace Kimi.Cluster.Bench.Cli;

/// <summary>
/// Runs `checkpoint`: checks the options, refuses to mix with files already in the directory
/// unless told to replace them, writes the checkpoint and prints (and optionally saves) its summary.
/// </summary>
public static class CheckpointAction
{
    public static async Task<int> ExecuteAsync(CheckpointSpec spec, string directory, bool force, string? summaryPath, IAnsiConsole console, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(console);
        if (spec.Problem() is { } problem)
        {
            console.MarkupLineInterpolated($"[red]{problem}[/]");
            return 2;
        }
        if (!force && Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            console.MarkupLineInterpolated($"[red]{directory} is not empty; pass --force to replace its model files.[/]");
            return 2;
        }
        try
        {
            // The writer is synchronous CPU and disk work: off the caller's thread so that Ctrl+C is seen.
            var summary = await Task.Run(() => CheckpointWriter.Write(spec, directory, cancellation), cancellation);
            console.MarkupLineInterpolated($"wrote {directory}");
            CheckpointTable.Write(console, summary);
            if (summaryPath is not null)
            {
                await File.WriteAllTextAsync(summaryPath, summary.ToJson() + Environment.NewLine, CancellationToken.None);
                console.MarkupLineInterpolated($"wrote {summaryPath}");
            }
            return 0;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            console.MarkupLineInterpolated($"[red]cannot write the checkpoint: {error.Message}[/]");
            return 1;
        }
    }
}
