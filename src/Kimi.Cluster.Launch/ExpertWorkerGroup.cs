using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Launch;

/// <summary>
/// The expert-worker processes of a local cluster, started together; ready once every one has
/// printed its READY line. With localhost clustering their silos join the primary silo this
/// process hosts (<see cref="MembershipSilo"/>), which keeps the membership table; with Redis
/// (--orleans-redis) they find each other there. They are supervised
/// (<see cref="WorkerSupervisor"/>): a worker that dies, any of them, is started again on its
/// Orleans, data-plane and metrics ports, and its silo joins the cluster again, where placement
/// gives it back its share of the shard replicas; the moment its process exits, its silo is
/// declared dead (<see cref="MembershipSilo.DeclareDead"/>), so that its shards are placed again
/// without waiting for Orleans to miss its probes. Workers can be added while the cluster runs
/// (placement gives the new silo its share) and removed (SIGTERM: the worker hands its replicas
/// to the others before it leaves, and is not restarted). Disposing stops the workers, then the
/// membership silo.
/// </summary>
public sealed partial class ExpertWorkerGroup : IAsyncDisposable
{
    private readonly List<WorkerProcess> _workers = [];
    private readonly WorkerSupervisor _supervisor;

    private readonly List<ExpertWorkerPorts> _ports;
    private readonly Func<int, int[]> _pickPorts;
    private readonly Func<ExpertWorkerPorts, WorkerProcessSpec> _spec;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _resizing = new(1, 1);
    private MembershipSilo? _membership;

    private ExpertWorkerGroup(int workers, Func<int, int[]> pickPorts, Func<ExpertWorkerPorts, WorkerProcessSpec> spec, ILogger logger)
    {
        _ports = [.. new ExpertWorkerPorts[workers]];
        _pickPorts = pickPorts;
        _spec = spec;
        _logger = logger;
        _supervisor = new WorkerSupervisor(workers, index => spec(_ports[index]), "--data-plane-port", logger, DeclareSiloDead);
    }

    /// <summary>
    /// Worker <paramref name="index"/>'s process exited: its silo is declared dead in the membership
    /// table at once (localhost clustering only; with Redis, Orleans' own detection decides).
    /// </summary>
    private void DeclareSiloDead(int index)
    {
        int siloPort;
        lock (_ports)
            siloPort = _ports[index].SiloPort;
        _membership?.DeclareDead(siloPort, $"{WorkerProgram.Expert.Name} {index}");
    }

    /// <summary>The workers as first started (a restarted one keeps its predecessor's addresses).</summary>
    public IReadOnlyList<WorkerProcess> Workers => _workers;

    /// <summary>The workers running now, by index: those started first, less the removed ones, and the added ones.</summary>
    public IReadOnlyList<(int Index, WorkerProcess Worker)> Running => _supervisor.Running();

    /// <summary>The first workers' Orleans ports.</summary>
    public IReadOnlyList<ExpertWorkerPorts> Ports => [.. _ports.Take(_workers.Count)];

    /// <summary>The Orleans gateway ports an attention worker connects to.</summary>
    public IReadOnlyList<int> GatewayPorts => [.. Ports.Select(p => p.GatewayPort)];

    /// <param name="pickPorts">Picks that many free loopback ports; <see cref="LoopbackPorts.Pick"/> unless a test decides.</param>
    /// <param name="progress">Where the workers' weight-load progress goes; null logs it.</param>
    /// <param name="environment">Variables for every worker's environment (the cluster credential).</param>
    /// <param name="tls">Mutual TLS for the workers and the membership silo; null is cleartext.</param>
    public static async Task<ExpertWorkerGroup> StartAsync(
        string dll, string? modelDirectory, ExpertLayout layout, string? orleansRedis, TimeSpan startTimeout, ILogger logger,
        CancellationToken cancellation, Func<int, int[]>? pickPorts = null, LoadProgressDisplay? progress = null,
        IReadOnlyDictionary<string, string>? environment = null, ClusterTls? tls = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        int primarySiloPort = 0;
        WorkerProcessSpec Spec(ExpertWorkerPorts p) => new(
            $"{WorkerProgram.Expert.Name} {p.Index}", dll,
            [.. WorkerArguments.Expert(modelDirectory, p, primarySiloPort, layout.Shards, layout.Replicas, orleansRedis), .. layout.WorkerArguments,
                .. tls?.Arguments ?? []],
            WorkerProgram.Expert.ReadyPrefix, startTimeout, WorkerProgram.Expert.StopTimeout)
        {
            LoadProgress = progress,
            Environment = environment ?? new Dictionary<string, string>(),
        };
        var group = new ExpertWorkerGroup(layout.Workers, pickPorts ?? LoopbackPorts.Pick, Spec, logger);
        try
        {
            if (orleansRedis is null)
            {
                group._membership = await MembershipSilo.StartAsync(LoopbackPorts.Pick, logger, cancellation, tls);
                primarySiloPort = group._membership.SiloPort;
            }
            var started = Enumerable.Range(0, layout.Workers)
                .Select(i => group.StartOnFreePortsAsync(i, Spec, logger, cancellation)).ToArray();
            try
            {
                await Task.WhenAll(started);
            }
            finally
            {
                // Keep every one that started, so a failure elsewhere still stops it.
                for (int i = 0; i < started.Length; i++)
                {
                    if (started[i].IsCompletedSuccessfully)
                        group.Add(i, started[i].Result);
                }
            }
            LogReady(logger, layout.Workers, layout.Shards, layout.Replicas, string.Join(",", group.GatewayPorts));
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    private void Add(int index, WorkerProcess worker)
    {
        _workers.Add(worker);
        _supervisor.Supervise(index, worker);
    }

    /// <summary>
    /// Starts one more expert worker, which joins the cluster; placement gives it its share of the
    /// shard replicas (moved from the busiest workers) once the attention workers next read the
    /// table. Returns it once it is ready, with its index.
    /// </summary>
    public async Task<(int Index, WorkerProcess Worker)> AddAsync(CancellationToken cancellation)
    {
        await _resizing.WaitAsync(cancellation);
        try
        {
            int index = _supervisor.AddSlot();
            lock (_ports)
                _ports.Add(new ExpertWorkerPorts(index, 0, 0));
            var worker = await StartOnFreePortsAsync(index, _spec, _logger, cancellation);
            _supervisor.Supervise(index, worker);
            LogAdded(_logger, worker.Name, worker.Address);
            return (index, worker);
        }
        finally
        {
            _resizing.Release();
        }
    }

    /// <summary>
    /// Removes expert worker <paramref name="index"/>: SIGTERM, on which a worker that serves hands
    /// its replicas to the others and waits until nothing routes to it before it leaves; it is not
    /// restarted. False when no such worker runs.
    /// </summary>
    public async Task<bool> RemoveAsync(int index, CancellationToken cancellation)
    {
        await _resizing.WaitAsync(cancellation);
        try
        {
            if (Running.Count <= 1 && Running.Any(r => r.Index == index))
                throw new InvalidOperationException("the last expert worker cannot be removed: the routed experts would have nowhere to run");
            return await _supervisor.RetireAsync(index);
        }
        finally
        {
            _resizing.Release();
        }
    }

    /// <summary>
    /// Starts worker <paramref name="index"/> on Orleans ports picked just before; when another
    /// process took one of them between the pick and the worker's bind, picks again.
    /// </summary>
    private Task<WorkerProcess> StartOnFreePortsAsync(
        int index, Func<ExpertWorkerPorts, WorkerProcessSpec> spec, ILogger logger, CancellationToken cancellation)
    {
        // PickFor has recorded the picked ports as the worker's own.
        return LoopbackPorts.StartOnFreePortsAsync(count => PickFor(index, count), 2,
            free => WorkerProcess.StartAsync(spec(new ExpertWorkerPorts(index, free[0], free[1])), logger, cancellation),
            error => error is WorkerStartException { ExitCode: WorkerExitCodes.PortInUse },
            (free, attempt) => LogPortTaken(logger, index, free[0], free[1], attempt));
    }

    /// <summary>
    /// Ports for worker <paramref name="index"/> that no other worker holds or was handed (the
    /// workers start side by side, each binding its ports a second or so after its pick), recorded
    /// as its own in the same lock so the next pick sees them.
    /// </summary>
    private int[] PickFor(int index, int count)
    {
        lock (_ports)
        {
            var assigned = _ports.Where((ports, i) => i != index && ports is not null)
                .SelectMany(ports => new[] { ports.SiloPort, ports.GatewayPort }).ToHashSet();
            int[] free = LoopbackPorts.PickUnassigned(_pickPorts, count, assigned);
            _ports[index] = new ExpertWorkerPorts(index, free[0], free[1]);
            return free;
        }
    }

    // The workers first: a primary silo that leaves first makes the others' shutdown slow and noisy.
    public async ValueTask DisposeAsync()
    {
        await _supervisor.DisposeAsync();
        if (_membership is not null)
            await _membership.DisposeAsync();
        _resizing.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Workers} expert workers ready: {Shards} shards × {Replicas} replicas, Orleans gateways on ports {GatewayPorts}")]
    private static partial void LogReady(ILogger logger, int workers, int shards, int replicas, string gatewayPorts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Added the {Name} at {Address}: placement gives it its share of the shard replicas")]
    private static partial void LogAdded(ILogger logger, string name, Uri address);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Expert worker {Index}: silo port {SiloPort} or gateway port {GatewayPort} was taken before it could bind (attempt {Attempt}); starting it on other ports")]
    private static partial void LogPortTaken(ILogger logger, int index, int siloPort, int gatewayPort, int attempt);
}
