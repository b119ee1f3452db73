using Kimi.Cluster.AttentionWorker.Experts;
using Kimi.Cluster.AttentionWorker.Tests.Support;

namespace Kimi.Cluster.AttentionWorker.Tests.Experts;

/// <summary>Connecting to an expert cluster that is not there gives up at the connect timeout, naming the gateways.</summary>
public sealed class ExpertClusterClientTests
{
    [Fact]
    public async Task ConnectAsync_FailsAfterTheConnectTimeoutWithAClearMessage_WhenNoSiloIsAtTheGatewayPorts()
    {
        int port = new Uri(StandInDataPlane.DeadEndpoint()).Port;
        var options = new ExpertClusterOptions([port], TimeSpan.FromSeconds(5), ConnectTimeout: TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<ExpertClusterUnreachableException>(() => ExpertClusterClient.ConnectAsync(options, CancellationToken.None));

        Assert.Contains($"gateway ports {port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("within 2 s", error.Message, StringComparison.Ordinal);
    }
}
