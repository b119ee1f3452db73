using System.Globalization;

namespace Kimi.Cluster.Model.Configuration.Loading;

/// <summary>
/// How far a process has got loading its weights: tensors and bytes read of those it will read,
/// and the time so far. Workers log it (<see cref="ToString"/>) and, under a launcher, print it
/// as a <see cref="LinePrefix"/> line that the launcher parses back (<see cref="TryParseLine"/>).
/// </summary>
/// <param name="Tensors">Tensors read so far.</param>
/// <param name="TotalTensors">Tensors this process will read (grows while an expert worker takes on shards).</param>
/// <param name="Bytes">Checkpoint bytes read so far, as stored.</param>
/// <param name="TotalBytes">Checkpoint bytes this process will read.</param>
/// <param name="Elapsed">Time since the load began.</param>
public readonly record struct LoadProgressReport(int Tensors, int TotalTensors, long Bytes, long TotalBytes, TimeSpan Elapsed)
{
    /// <summary>A worker under a launcher prints this, then the report's fields, on its standard output.</summary>
    public const string LinePrefix = "KIMI_LOAD_PROGRESS ";

    /// <summary>Done, from 0 to 1, by bytes (tensors when nothing is planned in bytes); 0 before anything is planned.</summary>
    public double Fraction => TotalBytes > 0 ? Math.Min(1, (double)Bytes / TotalBytes)
        : TotalTensors > 0 ? Math.Min(1, (double)Tensors / TotalTensors) : 0;

    /// <summary>Something was planned, and all of it has been read.</summary>
    public bool IsComplete => TotalTensors > 0 && Tensors >= TotalTensors && Bytes >= TotalBytes;

    /// <summary>Bytes read per second so far (0 before any time has passed).</summary>
    public double BytesPerSecond => Elapsed > TimeSpan.Zero ? Bytes / Elapsed.TotalSeconds : 0;

    /// <summary>The time left at the rate so far; null before anything has been read.</summary>
    public TimeSpan? Remaining => BytesPerSecond > 0 && TotalBytes >= Bytes
        ? TimeSpan.FromSeconds((TotalBytes - Bytes) / BytesPerSecond) : null;

    /// <summary>"412/1,203 tensors, 12.3/45.6 GB (27%), 2.10 GB/s, ETA 16 s", or "not started" before anything is planned.</summary>
    public override string ToString() => TotalTensors == 0 ? "not started" : string.Create(CultureInfo.InvariantCulture,
        $"{Tensors:N0}/{TotalTensors:N0} tensors, {Gigabytes(Bytes)}/{Gigabytes(TotalBytes)} GB ({Fraction * 100:0}%), {BytesPerSecond / 1e9:0.00} GB/s, ETA {FormatRemaining(Remaining)}");

    /// <summary>A finished load in words: "1,607 tensors, 0.89 GB of weights in 2.3 s (0.39 GB/s)".</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"{Tensors:N0} tensors, {Bytes / 1e9:0.00} GB of weights in {Elapsed.TotalSeconds:0.0} s ({BytesPerSecond / 1e9:0.00} GB/s)");

    /// <summary>The line a worker prints for its launcher: the prefix, then the five fields as integers.</summary>
    public string ToLine() => string.Create(CultureInfo.InvariantCulture,
        $"{LinePrefix}{Tensors} {TotalTensors} {Bytes} {TotalBytes} {(long)Elapsed.TotalMilliseconds}");

    /// <summary>Parses a line <see cref="ToLine"/> wrote; false for any other line.</summary>
    public static bool TryParseLine(string? line, out LoadProgressReport report)
    {
        report = default;
        if (line is null || !line.StartsWith(LinePrefix, StringComparison.Ordinal))
            return false;
        var fields = line[LinePrefix.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5
            || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out int tensors)
            || !int.TryParse(fields[1], CultureInfo.InvariantCulture, out int totalTensors)
            || !long.TryParse(fields[2], CultureInfo.InvariantCulture, out long bytes)
            || !long.TryParse(fields[3], CultureInfo.InvariantCulture, out long totalBytes)
            || !long.TryParse(fields[4], CultureInfo.InvariantCulture, out long milliseconds)
            || tensors < 0 || totalTensors < 0 || bytes < 0 || totalBytes < 0 || milliseconds < 0)
            return false;
        report = new LoadProgressReport(tensors, totalTensors, bytes, totalBytes, TimeSpan.FromMilliseconds(milliseconds));
        return true;
    }

    private static string Gigabytes(long bytes) => (bytes / 1e9).ToString(bytes < 10_000_000_000 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private static string FormatRemaining(TimeSpan? remaining) => remaining switch
    {
        null => "unknown",
        { TotalSeconds: < 100 } r => string.Create(CultureInfo.InvariantCulture, $"{r.TotalSeconds:0} s"),
        { TotalMinutes: < 100 } r => string.Create(CultureInfo.InvariantCulture, $"{r.TotalMinutes:0} min"),
        var r => string.Create(CultureInfo.InvariantCulture, $"{r.Value.TotalHours:0.0} h"),
    };
}
