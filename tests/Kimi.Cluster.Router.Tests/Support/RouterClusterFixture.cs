using Grpc.Net.Client;
using Kimi.Cluster.Tests.Shared;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// One `router local --port 0 --grpc-port 0` cluster (router + attention worker, tiny model)
/// shared by all end-to-end tests, started once and killed at the end.
/// </summary>
public sealed class RouterClusterFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private RouterProcess? _router;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>A channel to the router's gRPC API.</summary>
    public GrpcChannel Grpc { get; private set; } = null!;

    public string Output => _router?.Output ?? "";

    public async Task InitializeAsync()
    {
        _router = RouterProcess.Start("local", "--port", "0", "--grpc-port", "0");
        var address = await _router.WaitUntilReadyAsync(StartTimeout);
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        Grpc = GrpcChannel.ForAddress(await _router.WaitUntilGrpcReadyAsync(TimeSpan.FromSeconds(10)));
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        Grpc?.Dispose();
        if (_router is not null)
            await _router.DisposeAsync();
    }
}
