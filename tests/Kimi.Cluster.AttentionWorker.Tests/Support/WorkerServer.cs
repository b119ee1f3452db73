using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Kimi.Cluster.AttentionWorker.Cli;
using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.AttentionWorker.Hosting;
using Contract = Kimi.Cluster.Contracts.V1.AttentionWorker;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>The worker's real gRPC host, in this process on a free loopback port, with a client to it.</summary>
public sealed class WorkerServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WorkerServer(WebApplication app, GrpcChannel channel)
    {
        _app = app;
        Channel = channel;
        Client = new Contract.AttentionWorkerClient(channel);
    }

    public GrpcChannel Channel { get; }

    public Contract.AttentionWorkerClient Client { get; }

    public static Task<WorkerServer> StartAsync(IBatchGenerator generator) =>
        StartAsync(services => services.AddSingleton(generator));

    /// <summary>A worker whose services (the <see cref="IBatchGenerator"/> at least) <paramref name="addServices"/> registers.</summary>
    public static async Task<WorkerServer> StartAsync(Action<IServiceCollection> addServices)
    {
        var app = WorkerHost.Build(new WorkerOptions(null, 0, null), addServices);
        string address = await WorkerHost.StartAsync(app, CancellationToken.None);
        return new WorkerServer(app, GrpcChannel.ForAddress(address));
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
