using System.Net;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ServiceDefaults;
using Orleans.Configuration;
using Microsoft.Extensions.DependencyInjection;
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
    private static readonly TimeSpan DeclareRetryDelay = TimeSpan.FromMilliseconds(250);
    private const int DeclareAttempts = 3;
    private readonly IHost _host;
    private readonly ILogger _logger;

    private MembershipSilo(IHost host, int siloPort, ILogger logger)
    {
        _host = host;
        _logger = logger;
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
            return new MembershipSilo(host, ports[0], logger);
        }, WorkerExitCodes.IsPortInUse);
    }

    /// <summary>
    /// Declares dead the silo listening on <paramref name="siloPort"/>, whose process the launcher saw
    /// exit. Orleans finds a dead silo by its missed probes and the votes of the others, which
    /// takes seconds (two of three expert workers killed 0.5 s apart under 64 streams: every stream
    /// waited 7.9 s in one run), during which a shard that lost every replica has nowhere to run and
    /// the placement grain, when it lived there, cannot be reached. The launcher knows at once, as
    /// Orleans' Kubernetes hosting knows a deleted pod. The silos on that port are taken from the
    /// table now, before the supervisor's restart (a second at least) can join on the same port;
    /// the declaration itself goes on in the background.
    /// </summary>
    public void DeclareDead(int siloPort, string workerName)
    {
        try
        {
            var membership = _host.Services.GetRequiredService<IClusterMembershipService>();
            var (foundDead, toDeclare) = SilosOfExitedWorker(membership.CurrentSnapshot.Members.Values, siloPort);
            if (foundDead is not null)
                LogFoundDead(_logger, foundDead.ToString(), workerName);
            foreach (var silo in toDeclare)
                _ = DeclareDeadAsync(membership, silo, workerName);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // Called from the worker's exit handling, which must go on to restart it.
            LogDeclareFailed(_logger, $"on port {siloPort}", workerName, error.Message);
        }
    }

    /// <summary>
    /// What the table says of the silos on an exited worker's port: those still taken for alive, to
    /// declare dead, and the newest generation when Orleans has declared it dead already (its
    /// probes were faster than the exit handling). Earlier generations (the worker was restarted
    /// before) are dead since their own exits and say nothing of this one.
    /// </summary>
    internal static (SiloAddress? FoundDead, SiloAddress[] ToDeclare) SilosOfExitedWorker(IEnumerable<ClusterMember> members, int siloPort)
    {
        var onPort = members.Where(member => member.SiloAddress.Endpoint.Port == siloPort).ToArray();
        var newest = onPort.MaxBy(member => member.SiloAddress.Generation);
        return (newest is { Status: SiloStatus.Dead } ? newest.SiloAddress : null,
            [.. onPort.Where(member => member.Status != SiloStatus.Dead).Select(member => member.SiloAddress)]);
    }

    private async Task DeclareDeadAsync(IClusterMembershipService membership, SiloAddress silo, string workerName)
    {
        // A write to the table can fail while the other silos write their own suspicions (two workers
        // dying together); a few tries, then Orleans' own failure detection finds it.
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                if (await membership.TryKill(silo))
                    LogDeclaredDead(_logger, silo.ToString(), workerName);
                else
                    LogFoundDead(_logger, silo.ToString(), workerName);
                return;
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                if (attempt == DeclareAttempts)
                {
                    LogDeclareFailed(_logger, silo.ToString(), workerName, error.Message);
                    return;
                }
                await Task.Delay(DeclareRetryDelay);
            }
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Declared the silo {Silo} of the {Worker} dead: its process exited")]
    private static partial void LogDeclaredDead(ILogger logger, string silo, string worker);

    // Worded as the line above up to "dead: its process exited", which the fault tests look for
    // either way: the exit was seen, whoever wrote it into the table.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Found the silo {Silo} of the {Worker} dead: its process exited, and the membership table had it dead already")]
    private static partial void LogFoundDead(ILogger logger, string silo, string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not declare the silo {Silo} of the {Worker} dead ({Reason}); Orleans' failure detection will")]
    private static partial void LogDeclareFailed(ILogger logger, string silo, string worker, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The expert workers' membership table is kept here, by a silo on port {SiloPort}")]
    private static partial void LogStarted(ILogger logger, int siloPort);
}
