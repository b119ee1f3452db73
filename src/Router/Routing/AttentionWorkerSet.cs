using Grpc.Core.Interceptors;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Configuration.Loading;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Worker;
using Kimi.Cluster.ServiceDefaults;
using Contract = Kimi.Cluster.Contracts.V1.AttentionWorker;

namespace Kimi.Cluster.Router.Routing;

/// <summary>
/// Owns the attention workers' gRPC channels and clients, and admits each worker to routing
/// (<see cref="LoadBalancer.Accept"/>) once it has shown it serves the same model as the others
/// (a worker still loading its weights says so, and waits). A background probe asks workers not
/// reached yet, and those in a failure backoff, every 2 s.
/// </summary>
public sealed partial class AttentionWorkerSet : IAsyncDisposable
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);
    private readonly PooledWorker[] _workers;
    private readonly LoadBalancer _balancer;
    private readonly ILogger<AttentionWorkerSet> _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _modelGate = new();
    private readonly Task _probes;
    private ModelInfo? _model;

    /// <param name="presented">The credential and TLS certificate presented on every call to a worker; none when null.</param>
    public AttentionWorkerSet(IReadOnlyList<Uri> addresses, LoadBalancer balancer, ILogger<AttentionWorkerSet> logger, ClusterCredentialOptions? presented = null)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(balancer);
        presented ??= new ClusterCredentialOptions(null);
        _workers = [.. addresses.Select(address => new PooledWorker(address, presented))];
        _balancer = balancer;
        _logger = logger;
        _probes = Task.Run(ProbeLoopAsync);
    }

    public Uri Address(int worker) => _workers[worker].Address;

    public WorkerClient Client(int worker) => _workers[worker].Client;

    /// <summary>The worker's gRPC health service, on the same channel.</summary>
    public Health.HealthClient Health(int worker) => _workers[worker].Health;

    /// <summary>The served model once a worker has answered; null before.</summary>
    public ModelInfo? Model
    {
        get
        {
            lock (_modelGate)
                return _model;
        }
    }

    /// <summary>The served model: asks the workers not yet checked; 503 while none has answered.</summary>
    public async Task<ModelInfo> GetModelInfoAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        var errors = await CheckAsync(Enumerable.Range(0, _workers.Length).Where(index => !_workers[index].Checked), timeout, cancellation);
        return _model ?? throw (errors.FirstOrDefault() ?? ApiException.Unavailable("no attention worker serves a usable model"));
    }

    /// <summary>
    /// Asks the workers at once, then takes the answers in the workers' order, so that when
    /// they disagree the first worker listed sets the model. Returns the errors of those that did not answer.
    /// </summary>
    private async Task<ApiException[]> CheckAsync(IEnumerable<int> workers, TimeSpan timeout, CancellationToken cancellation)
    {
        int[] indexes = [.. workers];
        var answers = await Task.WhenAll(indexes.Select(index => AskAsync(_workers[index].Client, timeout, cancellation)));
        var errors = new List<ApiException>();
        for (int i = 0; i < indexes.Length; i++)
        {
            if ((answers[i].Error ?? Apply(indexes[i], answers[i].Info!)) is { } error) // Info is there when Error is not
                errors.Add(error);
        }
        return [.. errors];
    }

    private static async Task<(ModelInfo? Info, ApiException? Error)> AskAsync(WorkerClient client, TimeSpan timeout, CancellationToken cancellation)
    {
        try
        {
            return (await client.GetModelInfoAsync(timeout, cancellation), null);
        }
        catch (ApiException error)
        {
            return (null, error);
        }
    }

    /// <summary>The worker's weight load, while its last answer said it is loading; null otherwise.</summary>
    public WorkerLoading? Loading(int worker) => _workers[worker].Loading;

    /// <summary>
    /// The worker answered: while it is loading its weights, remember how far it has got (it is not
    /// routed to); otherwise end its backoff and, on first contact, check its model.
    /// </summary>
    private ApiException? Apply(int index, ModelInfo info)
    {
        var worker = _workers[index];
        if (info.Loading is { } loading)
        {
            var report = new LoadProgressReport((int)loading.Tensors, (int)loading.TotalTensors, (long)loading.Bytes, (long)loading.TotalBytes,
                TimeSpan.FromMilliseconds(loading.ElapsedMs));
            worker.Loading = new WorkerLoading(Math.Round(report.Fraction * 100, 1), report.ToString());
            return ApiException.Unavailable($"attention worker {worker.Address} is loading its weights: {report}");
        }
        worker.Loading = null;
        _balancer.MarkUp(index);
        ModelInfo model;
        lock (_modelGate)
        {
            if (worker.Checked)
                return null;
            worker.Checked = true;
            model = _model ??= info;
        }
        if (info.ModelId == model.ModelId && info.VocabSize == model.VocabSize)
        {
            _balancer.Accept(index);
            LogWorkerAccepted(_logger, worker.Address, info.ModelId);
            return null;
        }
        LogModelMismatch(_logger, worker.Address, info.ModelId, info.VocabSize, model.ModelId, model.VocabSize);
        return null;
    }

    /// <summary>Checks workers not yet seen (a deployed router may start first) and probes those in backoff.</summary>
    private async Task ProbeLoopAsync()
    {
        using var timer = new PeriodicTimer(ProbeInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var probed = Enumerable.Range(0, _workers.Length)
                    .Where(index => !_workers[index].Checked || (_balancer.IsAccepted(index) && !_balancer.IsReady(index)));
                await CheckAsync(probed, ProbeTimeout, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _probes;
        foreach (var worker in _workers)
            worker.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Attention worker {Address} serves {ModelId}: routing to it")]
    private static partial void LogWorkerAccepted(ILogger logger, Uri address, string modelId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Attention worker {Address} serves {ModelId} (vocab {Vocab}), not {Expected} (vocab {ExpectedVocab}): it is not used")]
    private static partial void LogModelMismatch(ILogger logger, Uri address, string modelId, uint vocab, string expected, uint expectedVocab);

    /// <summary>One worker's channel and client, and whether its model has been checked.</summary>
    private sealed class PooledWorker : IDisposable
    {
        private readonly GrpcChannel _channel;

        public PooledWorker(Uri address, ClusterCredentialOptions credential)
        {
            Address = address;
            _channel = credential.Tls is { } tls
                ? GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = tls.Present(new SocketsHttpHandler()) })
                : GrpcChannel.ForAddress(address);
            Client = new WorkerClient(new Contract.AttentionWorkerClient(_channel.Intercept(credential.AddTo)));
            Health = new Health.HealthClient(_channel);
        }

        public Uri Address { get; }

        public WorkerClient Client { get; }

        public Health.HealthClient Health { get; }

        public bool Checked { get; set; }

        // A reference, so the probe's writes and /health's reads never tear.
        public volatile WorkerLoading? Loading;

        public void Dispose() => _channel.Dispose();
    }
}
