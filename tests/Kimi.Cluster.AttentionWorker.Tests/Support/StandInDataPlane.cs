using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>A <see cref="StandInDataPlaneService"/> served over real gRPC on a free loopback port.</summary>
public sealed class StandInDataPlane : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StandInDataPlane(WebApplication app, StandInDataPlaneService service, string endpoint)
    {
        _app = app;
        Service = service;
        Endpoint = endpoint;
    }

    public StandInDataPlaneService Service { get; }

    /// <summary>The base address, spelled as placement tables spell it (no trailing slash).</summary>
    public string Endpoint { get; }

    public static async Task<StandInDataPlane> StartAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var service = new StandInDataPlaneService();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<StandInDataPlaneService>();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new StandInDataPlane(app, service, address.TrimEnd('/'));
    }

    /// <summary>An address where nothing listens: an expert worker that has died.</summary>
    public static string DeadEndpoint()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
