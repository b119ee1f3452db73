namespace Kimi.Cluster.Bench.Results;

/// <summary>One metric of two runs: its values in A and B, and B / A (null when A is 0, where no ratio means anything).</summary>
public sealed record MetricComparison(string Name, double A, double B, double? Ratio)
{
    public static MetricComparison Of(string name, double a, double b) =>
        new(name, a, b, a == 0 ? null : b / a);

    /// <summary>"0.93×", or "n/a" without a ratio.</summary>
    public string RatioText => Ratio is { } ratio ? $"{ratio:0.00}×" : "n/a";
}
