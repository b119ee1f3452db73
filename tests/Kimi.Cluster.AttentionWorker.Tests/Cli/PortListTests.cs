using Kimi.Cluster.AttentionWorker.Cli;

namespace Kimi.Cluster.AttentionWorker.Tests.Cli;

public sealed class PortListTests
{
    [Fact]
    public void TryParse_ReadsCommaSeparatedPortsInOrder()
    {
        Assert.Equal([30001, 30002, 65535], PortList.TryParse("30001, 30002,65535", out _));
    }

    [Theory]
    [InlineData("", "''")]
    [InlineData("30001,,30002", "''")]
    [InlineData("30001,x", "'x'")]
    [InlineData("0", "'0'")]
    [InlineData("70000", "'70000'")]
    [InlineData("-5", "'-5'")]
    public void TryParse_RefusesAnythingButPortsNamingTheBadPart(string text, string quoted)
    {
        Assert.Null(PortList.TryParse(text, out string error));
        Assert.Contains(quoted, error, StringComparison.Ordinal);
    }
}
