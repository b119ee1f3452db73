using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.Launch;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.ServiceDefaults;
using Kimi.Cluster.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// A router, an attention worker and an expert worker with certificates from one CA (made in the
/// test) serve a completion over mutual TLS, while their gRPC ports and the Orleans gateway refuse
/// a caller without a certificate, with one from another CA, or in cleartext; and `local` given
/// the same options runs its whole cluster that way.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class MutualTlsTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan RefusalTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TheCluster_ServesOverMutualTls_AndRefusesCallersWithoutACertificateItsCaSigned()
    {
        using var certificates = TestCertificates.Create();
        var tls = certificates.ClusterTls();
        await using var experts = await ExpertWorkerGroup.StartAsync(
            WorkerLocator.Resolve(WorkerProgram.Expert, null), modelDirectory: null, new ExpertLayout(1, 1, 1), orleansRedis: null,
            StartTimeout, NullLogger.Instance, CancellationToken.None, tls: tls);
        await using var worker = await AttentionWorkerProcess.StartAsync(
            ["--port", "0", "--expert-gateway-ports", string.Join(",", experts.GatewayPorts), .. tls.Arguments]);
        await using var router = await InProcessRouter.StartAsync(new RouterHostOptions([worker.Address], "127.0.0.1", 0) { ClusterTls = tls });

        using var http = new HttpClient { BaseAddress = router.Addresses[0] };
        using var answer = await http.PostAsJsonAsync("/v1/completions", new JsonObject { ["prompt"] = new JsonArray(1, 5, 9), ["max_tokens"] = 3 });
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());

        Uri dataPlane = experts.Workers[0].Address;
        foreach (var endpoint in new[] { worker.Address, dataPlane })
        {
            Assert.Equal(Uri.UriSchemeHttps, endpoint.Scheme);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await HealthAsync(endpoint, tls.Present(new SocketsHttpHandler())));
            using var stranger = certificates.StrangerCertificate();
            await AssertRefusedAsync(endpoint, Presenting(stranger));
            await AssertRefusedAsync(endpoint, Presenting(null));
            await AssertRefusedAsync(new Uri($"http://{endpoint.Authority}"), new SocketsHttpHandler());
        }

        await AssertGatewayRefusesAsync(experts.GatewayPorts, client => { });
        using var strangerForOrleans = certificates.StrangerCertificate();
        await AssertGatewayRefusesAsync(experts.GatewayPorts, client => client.UseClusterTls(strangerForOrleans, (_, _) => true));
        var table = await ReadPlacementAsync(experts.GatewayPorts, client => client.UseClusterTls(tls.Certificate, tls.Trusts));
        Assert.Equal(Uri.UriSchemeHttps, new Uri(table.Shards[0].Endpoints[0]).Scheme);
    }

    [Fact]
    public async Task Local_WithTheTlsOptions_RunsItsWholeClusterOverMutualTls()
    {
        using var certificates = TestCertificates.Create();
        var tls = certificates.ClusterTls();

        await using var cluster = await ClusterUnderTest.StartAsync("mutual TLS", ["--expert-workers", "1", .. tls.Arguments]);

        Assert.All([.. cluster.AttentionWorkers, .. cluster.Experts], worker => Assert.Equal(Uri.UriSchemeHttps, worker.Address.Scheme));
        using var answer = await cluster.Http.PostAsJsonAsync("/v1/completions", new JsonObject { ["prompt"] = new JsonArray(1, 5, 9), ["max_tokens"] = 3 });
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
        await AssertRefusedAsync(cluster.Attention.Address, Presenting(null));
    }

    /// <summary>A TLS client that presents <paramref name="certificate"/> (or none) and takes any server: only the server's refusal is under test.</summary>
    private static SocketsHttpHandler Presenting(X509Certificate2? certificate) => new()
    {
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            ClientCertificates = certificate is null ? null : new X509CertificateCollection { certificate },
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        },
    };

    private static async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(Uri endpoint, SocketsHttpHandler handler)
    {
        using var channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { HttpHandler = handler });
        var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + RefusalTimeout);
        return reply.Status;
    }

    private static async Task AssertRefusedAsync(Uri endpoint, SocketsHttpHandler handler) =>
        Assert.NotEqual(StatusCode.OK, (await Assert.ThrowsAsync<RpcException>(() => HealthAsync(endpoint, handler))).StatusCode);

    private static async Task AssertGatewayRefusesAsync(IReadOnlyList<int> gatewayPorts, Action<IClientBuilder> configure) =>
        await Assert.ThrowsAnyAsync<Exception>(() => ReadPlacementAsync(gatewayPorts, configure));

    private static async Task<PlacementTable> ReadPlacementAsync(IReadOnlyList<int> gatewayPorts, Action<IClientBuilder> configure)
    {
        using var host = Host.CreateDefaultBuilder()
            .UseOrleansClient(client =>
            {
                client.UseLocalhostClustering([.. gatewayPorts], ClusterIdentity.ServiceId, ClusterIdentity.ClusterId)
                    .UseConnectionRetryFilter((_, _) => Task.FromResult(false));
                configure(client);
            })
            .Build();
        using var timeout = new CancellationTokenSource(RefusalTimeout);
        await host.StartAsync(timeout.Token);
        try
        {
            return await host.Services.GetRequiredService<IClusterClient>().GetGrain<IPlacementTableGrain>(0).GetTable().AsTask().WaitAsync(timeout.Token);
        }
        finally
        {
            await host.StopAsync(TimeSpan.FromSeconds(5));
        }
    }
}
