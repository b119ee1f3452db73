using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.Launch;
using Kimi.Cluster.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kimi.Cluster.ExpertWorker.Tests;

/// <summary>
/// Real expert worker processes on loopback, started by the launcher `local` uses (which also
/// hosts their membership's primary silo, in this process), and an Orleans client connected to
/// their gateways, as an attention worker would be. Like `local`, it gives the workers a cluster
/// credential, which the client presents.
/// </summary>
public sealed class ExpertWorkerProcesses : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    private ExpertWorkerGroup? _workers;
    private IHost? _client;

    /// <summary>Each worker's data plane, as the placement table names it.</summary>
    public IReadOnlyList<string> DataPlaneEndpoints =>
        [.. (_workers?.Workers ?? []).Select(worker => worker.Address.GetLeftPart(UriPartial.Authority))];

    public IClusterClient Client => _client?.Services.GetRequiredService<IClusterClient>() ?? throw new InvalidOperationException("not started");

    /// <summary>The workers' cluster credential.</summary>
    public ClusterCredential Credential { get; } = ClusterCredential.Generate();

    /// <summary>The workers' gateway ports.</summary>
    public IReadOnlyList<int> GatewayPorts => _workers?.GatewayPorts ?? [];

    public static async Task<ExpertWorkerProcesses> StartAsync(int workers, int shards, int replicas)
    {
        var cluster = new ExpertWorkerProcesses();
        try
        {
            cluster._workers = await ExpertWorkerGroup.StartAsync(
                WorkerLocator.Resolve(WorkerProgram.Expert, typeof(ExpertWorkerHost).Assembly.Location), modelDirectory: null,
                new ExpertLayout(workers, shards, replicas), orleansRedis: null, ReadyTimeout, NullLogger.Instance, CancellationToken.None,
                environment: new Dictionary<string, string> { [ClusterCredential.EnvironmentVariable] = cluster.Credential.Value });
            cluster._client = Host.CreateDefaultBuilder()
                .UseOrleansClient(client => client
                    .UseLocalhostClustering([.. cluster._workers.GatewayPorts], ClusterIdentity.ServiceId, ClusterIdentity.ClusterId)
                    .AddOutgoingGrainCallFilter(new ClusterCredentialFilters.Outgoing(cluster.Credential.Value)))
                .Build();
            await cluster._client.StartAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            try
            {
                await _client.StopAsync(TimeSpan.FromSeconds(5));
            }
            catch (OperationCanceledException)
            {
            }
            _client.Dispose();
        }
        if (_workers is not null)
            await _workers.DisposeAsync();
    }
}
