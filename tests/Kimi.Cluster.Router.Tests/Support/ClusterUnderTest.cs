using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.ServiceDefaults;
using Kimi.Cluster.Tests.Shared;
using Contract = Kimi.Cluster.Contracts.V1.AttentionWorker;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// A real `router local ...` cluster: the router's HTTP API, plus gRPC clients straight to the
/// workers it started (found in its log) for the counters and load reports tests check.
/// </summary>
public sealed class ClusterUnderTest : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(150);
    private readonly RouterProcess _router;
    private readonly ConcurrentDictionary<Uri, GrpcChannel> _channels = new();

    /// <summary>
    /// The credential `local` gives its workers (it takes the one in its environment): direct calls
    /// to a worker present it, as the router does.
    /// </summary>
    public ClusterCredential Credential { get; }

    private ClusterUnderTest(string label, ClusterCredential credential, RouterProcess router)
    {
        Label = label;
        Credential = credential;
        _router = router;
    }

    /// <summary>What the tests call this cluster, e.g. "checkpoint, 2 expert workers".</summary>
    public string Label { get; }

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The first attention worker (the only one unless --attention-workers was given).</summary>
    public LaunchedWorker Attention => AttentionWorkers[0];

    /// <summary>The attention workers by index.</summary>
    public IReadOnlyList<LaunchedWorker> AttentionWorkers { get; private set; } = [];

    /// <summary>The expert workers by index.</summary>
    public IReadOnlyList<LaunchedWorker> Experts { get; private set; } = [];

    public string Output => _router.Output;

    /// <summary>The router's KimiGenerate gRPC API (the cluster must be started with --grpc-port).</summary>
    public async Task<GrpcChannel> GrpcAsync() => GrpcChannel.ForAddress(await _router.WaitUntilGrpcReadyAsync(TimeSpan.FromSeconds(10)));

    public static async Task<ClusterUnderTest> StartAsync(string label, params string[] arguments)
    {
        var credential = ClusterCredential.Generate();
        var cluster = new ClusterUnderTest(label, credential, RouterProcess.Start(
            new Dictionary<string, string> { [ClusterCredential.EnvironmentVariable] = credential.Value }, ["local", "--port", "0", .. arguments]));
        try
        {
            var address = await cluster._router.WaitUntilReadyAsync(StartTimeout);
            cluster.Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(90) };
            var workers = LaunchedWorker.FromRouterOutput(cluster.Output);
            cluster.AttentionWorkers = [.. workers.Where(w => w.Name.StartsWith("attention worker", StringComparison.Ordinal))
                .OrderBy(w => w.Name, StringComparer.Ordinal)];
            cluster.Experts = [.. workers.Where(w => w.Name.StartsWith("expert worker", StringComparison.Ordinal))
                .OrderBy(w => int.Parse(w.Name["expert worker ".Length..], System.Globalization.CultureInfo.InvariantCulture))];
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async Task<WorkerStats> StatsAsync() =>
        await new Contract.AttentionWorkerClient(Channel(Attention.Address)).GetStatsAsync(new GetStatsRequest());

    /// <summary>A gRPC client straight to one attention worker, bypassing the router.</summary>
    public Contract.AttentionWorkerClient AttentionClient(LaunchedWorker worker)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return new Contract.AttentionWorkerClient(Channel(worker.Address));
    }

    public async Task<LoadReport> LoadReportAsync(LaunchedWorker expert, DateTime? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(expert);
        return await new ExpertDataPlane.ExpertDataPlaneClient(Channel(expert.Address)).GetLoadReportAsync(new LoadReportRequest(), deadline: deadline);
    }

    /// <summary>The expert workers' admin service (the rebalancer), through <paramref name="expert"/>.</summary>
    public ExpertAdmin.ExpertAdminClient AdminClient(LaunchedWorker expert)
    {
        ArgumentNullException.ThrowIfNull(expert);
        return new ExpertAdmin.ExpertAdminClient(Channel(expert.Address));
    }

    /// <summary>A call invoker to the worker at <paramref name="address"/> that presents the cluster credential.</summary>
    private CallInvoker Channel(Uri address) =>
        _channels.GetOrAdd(address, a => GrpcChannel.ForAddress(a)).Intercept(new ClusterCredentialOptions(Credential).AddTo);

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        foreach (var channel in _channels.Values)
            channel.Dispose();
        await _router.DisposeAsync();
    }
}
