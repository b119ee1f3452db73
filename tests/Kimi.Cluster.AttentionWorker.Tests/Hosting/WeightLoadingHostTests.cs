using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Kimi.Cluster.AttentionWorker.Cli;
using Kimi.Cluster.AttentionWorker.Hosting;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Checkpoints;
using Contract = Kimi.Cluster.Contracts.V1.AttentionWorker;

namespace Kimi.Cluster.AttentionWorker.Tests.Hosting;

/// <summary>While its weights load, the worker's port answers with the load's progress and takes no generation.</summary>
public sealed class WeightLoadingHostTests
{
    [Fact]
    public async Task WeightLoadingHost_ReportsItsProgressIsNotServingAndRefusesGenerationThenFreesItsPort_WhenTheWorkerIsLoading()
    {
        var progress = new LoadProgress();
        progress.Plan(10, 1000);
        progress.Read(400);
        var source = new ModelSource(null);
        int port;
        await using (var host = await WeightLoadingHost.StartAsync(new WorkerOptions(null, 0, null), source, progress, CancellationToken.None))
        {
            port = host.Port;
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
            var client = new Contract.AttentionWorkerClient(channel);

            var info = await client.GetModelInfoAsync(new GetModelInfoRequest());
            Assert.Equal((source.ModelId, (uint)source.Config.VocabSize), (info.ModelId, info.VocabSize));
            Assert.Equal((1u, 10u, 400ul, 1000ul), (info.Loading.Tensors, info.Loading.TotalTensors, info.Loading.Bytes, info.Loading.TotalBytes));

            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, health.Status);

            var call = client.Generate(new GenerateRequest { MaxTokens = 1, PromptTokenIds = { 1 } });
            var refused = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
            Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
            Assert.Contains("loading its weights: 1/10 tensors", refused.Status.Detail, StringComparison.Ordinal);
        }

        // The worker's real host binds the same port once the model is in.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
        listener.Start();
        listener.Stop();
    }
}
