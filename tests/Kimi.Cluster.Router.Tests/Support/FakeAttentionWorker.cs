using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Kimi.Cluster.Contracts.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Contract = Kimi.Cluster.Contracts.V1.AttentionWorker;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>What a <see cref="FakeAttentionWorker"/> does with Generate.</summary>
public enum FakeBehavior
{
    /// <summary>
    /// The fixed sequence 1, 2, 3 from where the request is (a resumed request, with
    /// generated_tokens g, gets g + 1 .. 3), then the end.
    /// </summary>
    Generate,

    /// <summary>Never answers until cancelled.</summary>
    Hang,

    /// <summary>One token, then never anything more until cancelled.</summary>
    OneTokenThenHang,

    /// <summary>Fails every call, model probes included, with Unavailable.</summary>
    Unavailable,

    /// <summary>Fails with ResourceExhausted (its queue is full).</summary>
    Exhausted,

    /// <summary>A fresh request gets two tokens, then the call fails Unavailable (the worker died); a resumed one is served as by <see cref="Generate"/>.</summary>
    LosesFreshGenerations,

    /// <summary>Every request gets two tokens counted from where it is (g + 1, g + 2), then the call fails Unavailable.</summary>
    LosesEveryGeneration,

    /// <summary>A fresh request gets one token, then nothing until cancelled (the worker hangs); a resumed one is served as by <see cref="Generate"/>.</summary>
    StallsFreshGenerations,
}

/// <summary>An in-process gRPC attention worker that follows a script, for the router's pool tests.</summary>
public sealed class FakeAttentionWorker : Contract.AttentionWorkerBase, IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _generateCalls;
    private readonly List<GenerateRequest> _requests = [];
    private readonly TaskCompletionSource _firstCall = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FakeAttentionWorker(string modelId)
    {
        ModelId = modelId;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        _app = builder.Build();
        _app.MapGrpcService<FakeAttentionWorker>();
        _app.MapGrpcService<FakeHealth>();
    }

    public string ModelId { get; }

    public FakeBehavior Behavior { get; set; } = FakeBehavior.Generate;

    public int GenerateCalls => Volatile.Read(ref _generateCalls);

    /// <summary>Completes when the first Generate call arrives.</summary>
    public Task FirstCall => _firstCall.Task;

    public Uri Address { get; private set; } = null!;

    /// <summary>The Generate requests received, in order.</summary>
    public IReadOnlyList<GenerateRequest> Requests
    {
        get
        {
            lock (_requests)
                return [.. _requests];
        }
    }

    public static async Task<FakeAttentionWorker> StartAsync(string modelId = "fake-model")
    {
        var worker = new FakeAttentionWorker(modelId);
        await worker._app.StartAsync();
        var addresses = worker._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        worker.Address = new Uri(addresses.Addresses.First());
        return worker;
    }

    /// <summary>While set, health checks get no answer at all (a frozen process whose connections stay open).</summary>
    public bool Frozen { get; set; }

    /// <summary>While set, the worker says it is still loading its weights, this far.</summary>
    public WeightLoad? Loading { get; set; }

    /// <summary>Answers unless the worker is <see cref="FakeBehavior.Unavailable"/>: a down worker fails its probes too.</summary>
    public override Task<ModelInfo> GetModelInfo(GetModelInfoRequest request, ServerCallContext context) =>
        Behavior == FakeBehavior.Unavailable
            ? throw new RpcException(new Status(StatusCode.Unavailable, "fake worker is down"))
            : Task.FromResult(Loading is { } loading
                ? new ModelInfo { ModelId = ModelId, VocabSize = 1000, Loading = loading }
                : new ModelInfo { ModelId = ModelId, VocabSize = 1000, MaxPositionEmbeddings = 4096 });

    public override async Task Generate(GenerateRequest request, IServerStreamWriter<GenerateResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        Interlocked.Increment(ref _generateCalls);
        lock (_requests)
            _requests.Add(request);
        _firstCall.TrySetResult();
        switch (Behavior)
        {
            case FakeBehavior.Hang:
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                break;
            case FakeBehavior.StallsFreshGenerations when request.GeneratedTokens == 0:
            case FakeBehavior.OneTokenThenHang:
                var first = new GenerateResponse { PromptTokens = (uint)request.PromptTokenIds.Count };
                first.Tokens.Add(new GeneratedToken { TokenId = 1 });
                await responseStream.WriteAsync(first, context.CancellationToken);
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
                break;
            case FakeBehavior.Unavailable:
                throw new RpcException(new Status(StatusCode.Unavailable, "fake worker is down"));
            case FakeBehavior.Exhausted:
                throw new RpcException(new Status(StatusCode.ResourceExhausted, "fake worker queue is full"));
            case FakeBehavior.LosesFreshGenerations when request.GeneratedTokens == 0:
            case FakeBehavior.LosesEveryGeneration:
                for (int token = (int)request.GeneratedTokens + 1; token <= request.GeneratedTokens + 2; token++)
                    await responseStream.WriteAsync(TokenMessage(request, token), context.CancellationToken);
                throw new RpcException(new Status(StatusCode.Unavailable, "fake worker died mid-stream"));
            default:
                for (int token = (int)request.GeneratedTokens + 1; token <= 3; token++)
                {
                    var response = TokenMessage(request, token);
                    if (token == 3)
                        response.FinishReason = FinishReason.Length;
                    await responseStream.WriteAsync(response, context.CancellationToken);
                }
                break;
        }
    }

    private static GenerateResponse TokenMessage(GenerateRequest request, int token)
    {
        var response = new GenerateResponse { PromptTokens = (uint)request.PromptTokenIds.Count };
        response.Tokens.Add(new GeneratedToken { TokenId = token });
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The fake's gRPC health: SERVING, or no answer at all while it is <see cref="FakeAttentionWorker.Frozen"/>.</summary>
public sealed class FakeHealth(FakeAttentionWorker worker) : Health.HealthBase
{
    public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (worker.Frozen)
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        return new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving };
    }
}
