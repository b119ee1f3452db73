using Kimi.Cluster.Model.Configuration.Loading;

namespace Kimi.Cluster.Model.Tests.Configuration;

public sealed class LoadProgressReportTests
{
    [Fact]
    public void ToString_ReadsAsDoneOfTotalWithRateAndTimeLeft()
    {
        var report = new LoadProgressReport(412, 1203, 12_300_000_000, 45_600_000_000, TimeSpan.FromSeconds(6));
        Assert.Equal("412/1,203 tensors, 12.3/45.6 GB (27%), 2.05 GB/s, ETA 16 s", report.ToString());
        Assert.False(report.IsComplete);
    }

    [Fact]
    public void ToString_ShowsTheTimeLeftAsUnknownBeforeAnythingIsReadAndInMinutesOrHoursWhenLong()
    {
        Assert.Contains("ETA unknown", new LoadProgressReport(0, 10, 0, 1000, TimeSpan.FromSeconds(1)).ToString());
        Assert.Contains("ETA 10 min", new LoadProgressReport(1, 10, 1_000_000_000, 11_000_000_000, TimeSpan.FromSeconds(60)).ToString());
        Assert.Contains("ETA 2.5 h", new LoadProgressReport(1, 10, 1_000_000_000, 151_000_000_000, TimeSpan.FromMinutes(1)).ToString());
    }

    [Fact]
    public void TryParseLine_ReadsTheLauncherLineBackAsWritten()
    {
        var report = new LoadProgressReport(7, 9, 123_456_789_012, 200_000_000_000, TimeSpan.FromMilliseconds(65_432));
        Assert.True(LoadProgressReport.TryParseLine(report.ToLine(), out var parsed));
        Assert.Equal(report, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("info: loading")]
    [InlineData("KIMI_LOAD_PROGRESS 1 2 3 4")]
    [InlineData("KIMI_LOAD_PROGRESS 1 2 3 4 x")]
    [InlineData("KIMI_LOAD_PROGRESS -1 2 3 4 5")]
    [InlineData("KIMI_LOAD_PROGRESS 1 2 3 4 5 6")]
    public void TryParseLine_ReadsNoProgress_WhenTheLineIsNotALauncherLine(string? line) =>
        Assert.False(LoadProgressReport.TryParseLine(line, out _));

    [Fact]
    public void Fraction_FollowsBytesAndIsNothingBeforeAnythingIsPlanned()
    {
        Assert.Equal(0.25, new LoadProgressReport(9, 10, 25, 100, TimeSpan.FromSeconds(1)).Fraction);
        Assert.Equal(0.5, new LoadProgressReport(5, 10, 0, 0, TimeSpan.FromSeconds(1)).Fraction);
        var notStarted = new LoadProgressReport(0, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(0.0, notStarted.Fraction);
        Assert.False(notStarted.IsComplete);
        Assert.Equal("not started", notStarted.ToString());
        Assert.True(new LoadProgressReport(10, 10, 100, 100, TimeSpan.FromSeconds(1)).IsComplete);
    }
}
