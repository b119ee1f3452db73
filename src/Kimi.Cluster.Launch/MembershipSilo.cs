using System.Net;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ServiceDefaults;
using Orleans.Configuration;
using Microsoft.Extensions.Hosting;

namespace Kimi.Cluster.Launch;

/// <summary>
/// The primary silo of localhost clustering, hosted in the launcher's own process: it keeps the
/// membership table the expert workers join, and hosts none of their grains (its manifest has no
/// expert shard grain, so placement never picks it). With the table here, no expert worker is
/// special: any of them can die and be restarted, where worker 0 as the primary took the table
/// with it. It lives as long as the launcher, which owns every worker anyway.
/// </summary>
public sealed partial class MembershipSilo : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private readonly IHost _host;

    private MembershipSilo(IHost host, int siloPort)
    {
        _host = host;
        SiloPort = siloPort;
    }

    /// <summary>The primary silo's port, which the expert workers join.</summary>
    public int SiloPort { get; }

    /// <param name="pickPorts">Picks that many free loopback ports.</param>
    /// <param name="tls">Orleans' TLS, as the expert workers' silos use it; null is cleartext.</param>
    public static async Task<MembershipSilo> StartAsync(Func<int, int[]> pickPorts, ILogger logger, CancellationToken cancellation, ClusterTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(pickPorts);
        return await LoopbackPorts.StartOnFreePortsAsync(pickPorts, 2, async ports =>
        {
            var host = new HostBuilder()
                .ConfigureLogging(logging => logging.ConfigureProcessLogging())
                .UseOrleans(silo =>
                {
                    silo.UseLocalhostClustering(ports[0], ports[1],
                            new IPEndPoint(IPAddress.Loopback, ports[0]), ClusterIdentity.ServiceId, ClusterIdentity.ClusterId)
                        // No grain of ours lives here, even where the process has the workers' assemblies (a test).
                        .Configure<GrainTypeOptions>(grains => grains.Classes.RemoveWhere(ClusterIdentity.IsOurs));
                    if (tls is not null)
                        silo.UseClusterTls(tls.Certificate, tls.Trusts);
                })
                .Build();
            try
            {
                await host.StartAsync(cancellation);
            }
            catch
            {
                host.Dispose();
                throw;
            }
            LogStarted(logger, ports[0]);
            return new MembershipSilo(host, ports[0]);
        }, WorkerExitCodes.IsPortInUse);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Stopping is best effort: the workers have left already, and the process is ending.
        }
        _host.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The expert workers' membership table is kept here, by a silo on port {SiloPort}")]
    private static partial void LogStarted(ILogger logger, int siloPort);
}
