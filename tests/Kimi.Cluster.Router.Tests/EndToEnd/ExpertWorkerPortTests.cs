using System.Net;
using System.Net.Sockets;
using Kimi.Cluster.Launch;
using Kimi.Cluster.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// `local` picks the expert workers' Orleans ports before the workers bind them, so another
/// process can take one in between (many clusters starting at once on one machine do). The
/// worker then exits with a clear message and the launcher starts it again on other ports.
/// </summary>
public sealed class ExpertWorkerPortTests
{
    [Fact]
    public async Task ExpertWorker_IsStartedAgainOnFreePorts_WhenItsSiloPortWasTaken()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        int picks = 0;
        // The first pick hands out the port held above, as a race with another process would.
        int[] Pick(int count) => Interlocked.Increment(ref picks) == 1
            ? [takenPort, .. LoopbackPorts.Pick(count - 1)]
            : LoopbackPorts.Pick(count);
        var log = new RecordingLogger();

        await using var group = await ExpertWorkerGroup.StartAsync(
            WorkerLocator.Resolve(WorkerProgram.Expert, null), null, new ExpertLayout(1, 1, 1), null,
            TimeSpan.FromSeconds(120), log, CancellationToken.None, Pick);

        Assert.Equal(2, picks);
        Assert.NotEqual(takenPort, group.Ports[0].SiloPort);
        Assert.Single(group.Workers);
        Assert.Contains(log.Messages, l => l.Contains($"silo port {takenPort}", StringComparison.Ordinal) && l.Contains("attempt 1", StringComparison.Ordinal));
        Assert.Contains(log.Messages, l => l.Contains("Cannot listen: a port is already in use", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExpertWorker_FailsTheStartAfterBoundedAttemptsWithTheWorkersReason_WhenThePortStaysTaken()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;
        int picks = 0;
        int[] AlwaysTaken(int count)
        {
            Interlocked.Increment(ref picks);
            return [takenPort, .. LoopbackPorts.Pick(count - 1)];
        }

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => ExpertWorkerGroup.StartAsync(
            WorkerLocator.Resolve(WorkerProgram.Expert, null), null, new ExpertLayout(1, 1, 1), null,
            TimeSpan.FromSeconds(120), new RecordingLogger(), CancellationToken.None, AlwaysTaken));

        Assert.Equal(5, picks);
        Assert.Equal(Kimi.Cluster.ServiceDefaults.WorkerExitCodes.PortInUse, error.ExitCode);
        Assert.Contains("a port is already in use", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Keeps what the launcher logs, the workers' forwarded output included.</summary>
}
