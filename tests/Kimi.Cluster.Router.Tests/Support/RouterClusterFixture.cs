namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// One `router local --port 0` cluster (router + attention worker, tiny model) shared by
/// all end-to-end tests, started once and killed at the end.
/// </summary>
public sealed class RouterClusterFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private RouterProcess? _router;

    public HttpClient Http { get; private set; } = null!;

    public string Output => _router?.Output ?? "";

    public async Task InitializeAsync()
    {
        _router = RouterProcess.Start("local", "--port", "0");
        var address = await _router.WaitUntilReadyAsync(StartTimeout);
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_router is not null)
            await _router.DisposeAsync();
    }
}
