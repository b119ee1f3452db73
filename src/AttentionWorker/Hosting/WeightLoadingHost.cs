using Grpc.Core;
using Kimi.Cluster.AttentionWorker.Cli;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.ServiceDefaults;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Contract = Kimi.Cluster.Contracts.V1.AttentionWorker;

namespace Kimi.Cluster.AttentionWorker.Hosting;

/// <summary>
/// The worker's port while its weights load, which at full size takes minutes: gRPC health
/// answers NOT_SERVING, GetModelInfo answers with the load's progress (so a router shows the
/// worker as loading, not as gone), and generation is UNAVAILABLE. Disposed once the model is
/// loaded, so that the worker's real host takes the port over.
/// </summary>
public sealed class WeightLoadingHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WeightLoadingHost(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The port bound: the one asked for, or the one picked when 0 was asked for.</summary>
    public int Port { get; }

    public static async Task<WeightLoadingHost> StartAsync(WorkerOptions options, ModelSource source, LoadProgress progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ConfigureProcessLogging();
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning); // the worker's own host announces itself
        // NOT_SERVING is what this host is for: not an error to log at every health probe.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(options.ListenAddress, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                options.Tls?.Serve(listen);
            }));
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks().AddCheck("generation", () => HealthCheckResult.Unhealthy(Describe(progress)));
        builder.Services.AddSingleton(new LoadingStatus(source, progress));
        var app = builder.Build();
        app.MapGrpcService<LoadingService>();
        app.MapGrpcHealthChecksService();
        string address = await WorkerHost.StartAsync(app, cancellation);
        return new WeightLoadingHost(app, new Uri(address).Port);
    }

    private static string Describe(LoadProgress progress) => $"the attention worker is loading its weights: {progress.Report()}";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record LoadingStatus(ModelSource Source, LoadProgress Progress);

    /// <summary>The worker's gRPC service while it loads: its model's name and the load's progress, nothing else.</summary>
    private sealed class LoadingService(LoadingStatus status) : Contract.AttentionWorkerBase
    {
        public override Task<ModelInfo> GetModelInfo(GetModelInfoRequest request, ServerCallContext context)
        {
            var report = status.Progress.Report();
            return Task.FromResult(new ModelInfo
            {
                ModelId = status.Source.ModelId,
                VocabSize = (uint)status.Source.Config.VocabSize,
                Loading = new WeightLoad
                {
                    Tensors = (uint)report.Tensors,
                    TotalTensors = (uint)report.TotalTensors,
                    Bytes = (ulong)report.Bytes,
                    TotalBytes = (ulong)report.TotalBytes,
                    ElapsedMs = (ulong)report.Elapsed.TotalMilliseconds,
                },
            });
        }

        public override Task Generate(GenerateRequest request, IServerStreamWriter<GenerateResponse> responseStream, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.Unavailable, Describe(status.Progress) + "; retry on another worker"));

        public override Task<WorkerStats> GetStats(GetStatsRequest request, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.Unavailable, Describe(status.Progress)));
    }
}
