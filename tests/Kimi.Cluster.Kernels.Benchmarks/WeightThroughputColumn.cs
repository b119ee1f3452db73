using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>
/// Weight bytes a call reads (data + scales as stored) and the resulting GB/s from the mean time:
/// the figure to hold against the machine's memory bandwidth for memory-bound decode calls.
/// </summary>
public sealed class WeightThroughputColumn(bool perSecond) : IColumn
{
    public string Id => perSecond ? "WeightGBps" : "WeightBytes";

    public string ColumnName => perSecond ? "Weight GB/s" : "Weight MB/call";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => perSecond ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => perSecond
        ? "Stored weight bytes per call divided by the mean time"
        : "Stored weight bytes (data + scales) one call reads, in MB";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        long bytes = BytesPerCall(benchmarkCase);
        if (!perSecond)
        {
            return (bytes / 1e6).ToString("F1");
        }
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        return statistics is null ? "NA" : (bytes / statistics.Mean).ToString("F1"); // bytes per ns = GB/s
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    private static long BytesPerCall(BenchmarkCase benchmarkCase)
    {
        var parameters = benchmarkCase.Parameters;
        string format = (string)parameters["Format"];
        return benchmarkCase.Descriptor.Type == typeof(ExpertBenchmarks)
            ? ExpertBenchmarks.StoredBytesPerCall(format, (int)parameters["Tokens"], ExpertLayerShape.KimiShard)
            : MatMulBenchmarks.StoredBytesPerCall(format, (string)parameters["Shape"]);
    }
}
