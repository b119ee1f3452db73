using Grpc.Net.Client;
using Kimi.Cluster.Launch;
using Kimi.Cluster.ServiceDefaults;
using Kimi.Cluster.Tests.Shared;
using Contract = Kimi.Cluster.Contracts.V1.AttentionWorker;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// One attention worker started by the test itself (not by `local`) through the launcher `local`
/// uses, so the test sees its exit code and its output.
/// </summary>
public sealed class AttentionWorkerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private readonly WorkerProcess _worker;
    private readonly RecordingLogger _log;

    private AttentionWorkerProcess(WorkerProcess worker, RecordingLogger log)
    {
        _worker = worker;
        _log = log;
        Channel = GrpcChannel.ForAddress(worker.Address);
    }

    public int Pid => _worker.ProcessId;

    /// <summary>What the worker printed (and the launcher logged about it), one line each.</summary>
    public string Output => _log.Text;

    public GrpcChannel Channel { get; }

    /// <summary>The worker's gRPC address.</summary>
    public Uri Address => _worker.Address;

    public Contract.AttentionWorkerClient Client => new(Channel);

    public static Task<AttentionWorkerProcess> StartAsync(params string[] arguments) => StartAsync(credential: null, arguments);

    /// <summary>Starts the worker with <paramref name="credential"/> in its environment, as `local` gives it one.</summary>
    public static async Task<AttentionWorkerProcess> StartAsync(ClusterCredential? credential, params string[] arguments)
    {
        var spec = new WorkerProcessSpec(WorkerProgram.Attention.Name, WorkerLocator.Resolve(WorkerProgram.Attention, null), arguments,
            WorkerProgram.Attention.ReadyPrefix, StartTimeout, WorkerProgram.Attention.StopTimeout)
        {
            Environment = credential is null ? new Dictionary<string, string>()
                : new Dictionary<string, string> { [ClusterCredential.EnvironmentVariable] = credential.Value },
        };
        var log = new RecordingLogger();
        return new AttentionWorkerProcess(await WorkerProcess.StartAsync(spec, log, CancellationToken.None), log);
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) => _worker.WaitForExitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await _worker.DisposeAsync();
    }
}
