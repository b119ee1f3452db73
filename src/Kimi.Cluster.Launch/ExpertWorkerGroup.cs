using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Launch;

/// <summary>
/// The expert-worker processes of a local cluster, started together; ready once every one has
/// printed its READY line. With localhost clustering their silos join the primary silo this
/// process hosts (<see cref="MembershipSilo"/>), which keeps the membership table; with Redis
/// (--orleans-redis) they find each other there. They are supervised
/// (<see cref="WorkerSupervisor"/>): a worker that dies, any of them, is started again on its
/// Orleans, data-plane and metrics ports, and its silo joins the cluster again, where placement
/// gives it back its share of the shard replicas. Disposing stops the workers, then the
/// membership silo.
/// </summary>
public sealed partial class ExpertWorkerGroup : IAsyncDisposable
{
    private readonly List<WorkerProcess> _workers = [];
    private readonly WorkerSupervisor _supervisor;

    private readonly ExpertWorkerPorts[] _ports;
    private readonly Func<int, int[]> _pickPorts;
    private MembershipSilo? _membership;

    private ExpertWorkerGroup(ExpertWorkerPorts[] ports, Func<int, int[]> pickPorts, Func<ExpertWorkerPorts, WorkerProcessSpec> spec, ILogger logger)
    {
        _ports = ports;
        _pickPorts = pickPorts;
        _supervisor = new WorkerSupervisor(ports.Length, index => spec(_ports[index]), "--data-plane-port", logger);
    }

    /// <summary>The workers as first started (a restarted one keeps its predecessor's addresses).</summary>
    public IReadOnlyList<WorkerProcess> Workers => _workers;

    public IReadOnlyList<ExpertWorkerPorts> Ports => _ports;

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
        var ports = new ExpertWorkerPorts[layout.Workers];
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
        var group = new ExpertWorkerGroup(ports, pickPorts ?? LoopbackPorts.Pick, Spec, logger);
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
    /// Starts worker <paramref name="index"/> on Orleans ports picked just before; when another
    /// process took one of them between the pick and the worker's bind, picks again.
    /// </summary>
    private Task<WorkerProcess> StartOnFreePortsAsync(
        int index, Func<ExpertWorkerPorts, WorkerProcessSpec> spec, ILogger logger, CancellationToken cancellation)
    {
        return LoopbackPorts.StartOnFreePortsAsync(_pickPorts, 2, free =>
            {
                _ports[index] = new ExpertWorkerPorts(index, free[0], free[1]);
                return WorkerProcess.StartAsync(spec(_ports[index]), logger, cancellation);
            },
            error => error is WorkerStartException { ExitCode: WorkerExitCodes.PortInUse },
            (free, attempt) => LogPortTaken(logger, index, free[0], free[1], attempt));
    }

    // The workers first: a primary silo that leaves first makes the others' shutdown slow and noisy.
    public async ValueTask DisposeAsync()
    {
        await _supervisor.DisposeAsync();
        if (_membership is not null)
            await _membership.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Workers} expert workers ready: {Shards} shards × {Replicas} replicas, Orleans gateways on ports {GatewayPorts}")]
    private static partial void LogReady(ILogger logger, int workers, int shards, int replicas, string gatewayPorts);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Expert worker {Index}: silo port {SiloPort} or gateway port {GatewayPort} was taken before it could bind (attempt {Attempt}); starting it on other ports")]
    private static partial void LogPortTaken(ILogger logger, int index, int siloPort, int gatewayPort, int attempt);
}
