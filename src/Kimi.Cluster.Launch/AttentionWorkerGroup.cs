namespace Kimi.Cluster.Launch;

/// <summary>
/// The attention-worker processes of a local cluster, started together, each on its own port and
/// all pointed at the same expert workers, and supervised (<see cref="WorkerSupervisor"/>): a
/// worker that dies is started again on its ports, the address the router routes to, so the
/// router's probe takes it back once it answers. <see cref="AllExited"/> fires once no worker is
/// left or coming back: the router keeps serving until then. Disposing stops them all.
/// </summary>
public sealed class AttentionWorkerGroup : IAsyncDisposable
{
    private readonly WorkerSupervisor _supervisor;

    private AttentionWorkerGroup(int count, Func<int, WorkerProcessSpec> spec, ILogger logger) =>
        _supervisor = new WorkerSupervisor(count, spec, "--port", logger);

    /// <summary>The workers as first started (a restarted one keeps its predecessor's addresses).</summary>
    public IReadOnlyList<WorkerProcess> Workers { get; private set; } = [];

    /// <summary>Cancelled when no attention worker is left or coming back.</summary>
    public CancellationToken AllExited => _supervisor.AllGivenUp;

    public static async Task<AttentionWorkerGroup> StartAsync(
        int count, Func<int, WorkerProcessSpec> spec, ILogger logger, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentNullException.ThrowIfNull(spec);
        var starts = Enumerable.Range(0, count).Select(index => WorkerProcess.StartAsync(spec(index), logger, cancellation)).ToArray();
        var group = new AttentionWorkerGroup(count, spec, logger);
        try
        {
            await Task.WhenAll(starts);
        }
        catch
        {
            // Stop every one that did start before reporting the failure.
            for (int i = 0; i < count; i++)
            {
                if (starts[i].IsCompletedSuccessfully)
                    group._supervisor.Supervise(i, starts[i].Result);
            }
            await group.DisposeAsync();
            throw;
        }
        for (int i = 0; i < count; i++)
            group._supervisor.Supervise(i, starts[i].Result);
        group.Workers = [.. starts.Select(t => t.Result)];
        return group;
    }

    /// <summary>The name `local` gives worker <paramref name="index"/> of <paramref name="count"/>.</summary>
    public static string Name(int index, int count) =>
        count == 1 ? WorkerProgram.Attention.Name : $"{WorkerProgram.Attention.Name} {index}";

    public async ValueTask DisposeAsync() => await _supervisor.DisposeAsync();
}
