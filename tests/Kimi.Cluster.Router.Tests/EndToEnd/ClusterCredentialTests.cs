using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Launch;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.ServiceDefaults;
using Kimi.Cluster.Tests.Shared;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// An attention worker with a cluster credential serves only callers that present it: a direct
/// Generate without it is UNAUTHENTICATED, while a router given the credential serves completions
/// through it.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class ClusterCredentialTests
{
    [Fact]
    public async Task Generate_IsRefusedWithoutTheCredential_AndTheRouterWithItIsServed()
    {
        var credential = ClusterCredential.Generate();
        await using var worker = await AttentionWorkerProcess.StartAsync(credential, "--port", "0");

        var request = new GenerateRequest { MaxTokens = 2, IgnoreEos = true };
        request.PromptTokenIds.Add([1, 5, 9]);
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = worker.Client.Generate(request);
            while (await call.ResponseStream.MoveNext())
            {
            }
        });
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("cluster credential", refused.Status.Detail, StringComparison.Ordinal);

        await using var router = await InProcessRouter.StartAsync(
            new RouterHostOptions([worker.Address], "127.0.0.1", 0)
            {
                ClusterCredential = credential,
            });
        using var http = new HttpClient { BaseAddress = router.Addresses[0] };
        using var answer = await http.PostAsJsonAsync("/v1/completions", new JsonObject { ["prompt"] = new JsonArray(1, 5, 9), ["max_tokens"] = 2 });
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Worker_RefusesToStartNamingTheReason_WhenItsCredentialIsTooShort()
    {
        var log = new RecordingLogger();
        var spec = new WorkerProcessSpec(WorkerProgram.Attention.Name, WorkerLocator.Resolve(WorkerProgram.Attention, null), ["--port", "0"],
            WorkerProgram.Attention.ReadyPrefix, TimeSpan.FromSeconds(120), WorkerProgram.Attention.StopTimeout)
        {
            Environment = new Dictionary<string, string> { [ClusterCredential.EnvironmentVariable] = "too-short" },
        };

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => WorkerProcess.StartAsync(spec, log, CancellationToken.None));

        Assert.Equal(2, error.ExitCode);
        Assert.Contains("the cluster credential must be at least 16 characters long", log.Text + error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_RefusesToStartNamingTheReason_WhenTheEnvironmentsCredentialIsTooShort()
    {
        await using var router = RouterProcess.Start(
            new Dictionary<string, string> { [ClusterCredential.EnvironmentVariable] = "too-short" }, "local", "--port", "0");

        Assert.Equal(2, await router.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("the cluster credential must be at least 16 characters long", router.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_RefusesToStartNamingTheOption_WhenItsTlsFilesAreIncomplete()
    {
        using var certificates = TestCertificates.Create();
        await using var router = RouterProcess.Start("local", "--port", "0", "--tls-cert", certificates.Member.Certificate, "--tls-key", certificates.Member.Key);

        Assert.Equal(2, await router.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("--tls-cert, --tls-key and --tls-ca go together", router.Output, StringComparison.Ordinal);
    }
}
