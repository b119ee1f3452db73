using Kimi.Cluster.Router.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>The router's host started in the test process, for tests of its own behaviour in front of a fake (or no) worker.</summary>
public sealed class InProcessRouter : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessRouter(WebApplication app, IReadOnlyList<Uri> addresses)
    {
        _app = app;
        Addresses = addresses;
    }

    /// <summary>The bound addresses in binding order: the HTTP API first, then the gRPC port when there is one.</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    public static async Task<InProcessRouter> StartAsync(RouterHostOptions options)
    {
        var app = RouterHost.Build(options);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new InProcessRouter(app, [.. addresses.Select(a => new Uri(a))]);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
