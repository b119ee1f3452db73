using Kimi.Cluster.Abstractions;
using Kimi.Cluster.AttentionWorker.Hosting;
using Kimi.Cluster.ServiceDefaults;
using Orleans.Configuration;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// This worker's Orleans client to the expert silos (the control plane only: activations never
/// travel here). Connects with retries, reads the placement table, and reports failed endpoints.
/// </summary>
public sealed partial class ExpertClusterClient : IPlacementSource, IExpertLoadSink, IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly IHost _host;
    private readonly IClusterClient _client;

    private ExpertClusterClient(IHost host, PlacementTable table)
    {
        _host = host;
        _client = host.Services.GetRequiredService<IClusterClient>();
        InitialTable = table;
    }

    /// <summary>The table read at connect time.</summary>
    public PlacementTable InitialTable { get; }

    /// <summary>The client host's loggers, which log the way the worker does.</summary>
    public ILoggerFactory LoggerFactory => _host.Services.GetRequiredService<ILoggerFactory>();

    /// <summary>Connects to any of the gateways and reads the placement table, retrying until the connect timeout.</summary>
    /// <param name="credential">Presented on every grain call; null when none is configured.</param>
    /// <param name="tls">Orleans' TLS to the gateways; null is cleartext.</param>
    public static async Task<ExpertClusterClient> ConnectAsync(
        ExpertClusterOptions options, CancellationToken cancellation, ClusterCredential? credential = null, ClusterTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var deadline = DateTime.UtcNow + options.ConnectTimeout;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.ConfigureProcessLogging();
        // The web host announces the worker's start; this helper host need not.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddSingleton<IHostLifetime, SignalFreeLifetime>();
        builder.UseOrleansClient(client =>
        {
            UseMembership(client, options);
            if (credential is not null)
                client.AddOutgoingGrainCallFilter(new ClusterCredentialFilters.Outgoing(credential.Value));
            if (tls is not null)
                client.UseClusterTls(tls.Certificate, tls.Trusts);
            client.UseConnectionRetryFilter(async (_, token) =>
            {
                if (DateTime.UtcNow >= deadline)
                    return false;
                await Task.Delay(RetryDelay, token);
                return true;
            });
        });
        var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILogger<ExpertClusterClient>>();
        try
        {
            LogConnecting(logger, options.Describe());
            await host.StartAsync(cancellation);
            var table = await ReadTableAsync(host.Services.GetRequiredService<IClusterClient>(), deadline, logger, cancellation);
            return new ExpertClusterClient(host, table);
        }
        catch (ExpertShardLoadException error)
        {
            // Closed gracefully: the silos are fine and would otherwise log a reset connection.
            await StopAsync(host);
            throw new ExpertClusterUnreachableException($"the expert cluster could not load its weights: {error.Message}", error);
        }
        catch (Exception error) when (error is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            host.Dispose();
            throw new ExpertClusterUnreachableException(
                $"could not reach the expert cluster at {options.Describe()} " +
                $"within {options.ConnectTimeout.TotalSeconds:0} s: {error.Message}", error);
        }
    }

    /// <summary>Fixed loopback gateways (`local`'s default), or the silos' gateways as listed in the Redis membership table.</summary>
    private static void UseMembership(IClientBuilder client, ExpertClusterOptions options)
    {
        if (options.OrleansRedis is null)
        {
            client.UseLocalhostClustering([.. options.GatewayPorts], ClusterIdentity.ServiceId, ClusterIdentity.ClusterId);
            return;
        }
        client.UseRedisClustering(options.OrleansRedis);
        client.Configure<ClusterOptions>(cluster =>
            (cluster.ServiceId, cluster.ClusterId) = (ClusterIdentity.ResolveServiceId(), ClusterIdentity.ResolveClusterId()));
    }

    /// <summary>The first read activates every shard replica, which takes as long as loading the experts.</summary>
    private static async Task<PlacementTable> ReadTableAsync(
        IClusterClient client, DateTime deadline, ILogger logger, CancellationToken cancellation)
    {
        var grain = client.GetGrain<IPlacementTableGrain>(0);
        while (true)
        {
            try
            {
                var table = await grain.GetTable();
                PlacementSnapshot.Of(table); // refuse a table that does not cover every expert
                return table;
            }
            catch (Exception error) when (error is not (OperationCanceledException or ExpertShardLoadException) && DateTime.UtcNow < deadline)
            {
                LogTableRetry(logger, error.Message);
                await Task.Delay(RetryDelay, cancellation);
            }
        }
    }

    public async Task<PlacementTable> GetTableAsync(CancellationToken cancellationToken) =>
        await _client.GetGrain<IPlacementTableGrain>(0).GetTable().AsTask().WaitAsync(cancellationToken);

    public async Task<PlacementTable> ReportFailureAsync(long seenVersion, string failedEndpoint, CancellationToken cancellationToken) =>
        await _client.GetGrain<IPlacementTableGrain>(0).ReportFailure(seenVersion, failedEndpoint).AsTask().WaitAsync(cancellationToken);

    public async Task<long> ReportLoadAsync(ExpertLoadReport report, CancellationToken cancellationToken) =>
        await _client.GetGrain<IExpertRebalancerGrain>(0).Report(report).AsTask().WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync() => await StopAsync(_host);

    private static async Task StopAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // The silos may be gone already; the process is ending anyway.
        }
        host.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connecting to the expert cluster at {Gateways}")]
    private static partial void LogConnecting(ILogger logger, string gateways);

    [LoggerMessage(Level = LogLevel.Information, Message = "The placement table is not ready yet ({Reason}); retrying")]
    private static partial void LogTableRetry(ILogger logger, string reason);
}
