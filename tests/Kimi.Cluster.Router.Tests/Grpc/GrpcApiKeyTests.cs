using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.Grpc;

/// <summary>
/// The router's gRPC API honours the HTTP API's keys: KimiGenerate calls without "authorization:
/// Bearer &lt;key&gt;" metadata, or with a wrong key, are UNAUTHENTICATED; health stays open.
/// </summary>
public sealed class GrpcApiKeyTests : IAsyncLifetime
{
    private const string Key = "sk-grpc-key";
    private InProcessRouter _router = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        // No attention worker answers at port 1: a call that passes the keys fails later, and differently.
        var options = new RouterHostOptions([new Uri("http://127.0.0.1:1")], "127.0.0.1", 0)
        {
            Limits = new RouterLimits { ApiKeys = [Key, "sk-other"] },
            GrpcPort = 0,
        };
        _router = await InProcessRouter.StartAsync(options);
        _channel = GrpcChannel.ForAddress(_router.Addresses[1]);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _router.DisposeAsync();
    }

    private KimiGenerate.KimiGenerateClient Client => new(_channel);

    private static Metadata Bearer(string key) => [new Metadata.Entry("authorization", "Bearer " + key)];

    [Fact]
    public async Task KimiGenerate_ReturnsUnauthenticated_WhenTheCallHasNoKey()
    {
        var unary = await Assert.ThrowsAsync<RpcException>(async () => await Client.ListModelsAsync(new ListModelsRequest()));
        var streaming = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = Client.Generate(new GenerateTextRequest { TokenIds = new TokenIdList { Ids = { 1, 2, 3 } }, MaxTokens = 2 });
            await call.ResponseStream.MoveNext();
        });

        Assert.Equal(StatusCode.Unauthenticated, unary.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, streaming.StatusCode);
        Assert.Contains("You didn't provide an API key", unary.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer sk-wrong")]
    [InlineData("Basic c2stZ3JwYy1rZXk=")]
    public async Task KimiGenerate_ReturnsUnauthenticatedWithoutEchoingTheKey_WhenTheKeyIsWrong(string authorization)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.TokenizeAsync(new TokenizeRequest { Text = "hi" }, [new Metadata.Entry("authorization", authorization)]));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.DoesNotContain("sk-wrong", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KimiGenerate_PassesAKnownKeyWhileHealthNeedsNone()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var passed = await Record.ExceptionAsync(async () =>
            await Client.ListModelsAsync(new ListModelsRequest(), Bearer("sk-other"), cancellationToken: deadline.Token));
        var health = await new Health.HealthClient(_channel).CheckAsync(new HealthCheckRequest());

        // Past the keys, the call fails only because no attention worker answers here.
        Assert.NotEqual(StatusCode.Unauthenticated, (passed as RpcException)?.StatusCode);
        Assert.NotNull(health);
    }
}
