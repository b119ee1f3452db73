using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>A plain Orleans client that finds the expert silos through Redis membership and reads their statuses.</summary>
public sealed class MembershipProbe : IAsyncDisposable
{
    private readonly IHost _host;

    private MembershipProbe(IHost host) => _host = host;

    public static async Task<MembershipProbe> ConnectAsync(string redis)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseRedisClustering(redis)
            .Configure<ClusterOptions>(cluster => (cluster.ServiceId, cluster.ClusterId) = ("kimi-cluster", "kimi-local"))
            // The management grain may live on a silo that is leaving: fail such a call soon and ask again.
            .Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = TimeSpan.FromSeconds(5)));
        var host = builder.Build();
        await host.StartAsync();
        return new MembershipProbe(host);
    }

    /// <summary>Every silo the membership table lists, with its status (dead ones included).</summary>
    public async Task<IReadOnlyDictionary<SiloAddress, SiloStatus>> HostsAsync() =>
        await _host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: false);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // The silos are gone already.
        }
        _host.Dispose();
    }
}
