using System.Collections.Concurrent;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// One <see cref="DataPlaneConnection"/> per expert-worker endpoint, opened on first use and kept;
/// each presents the cluster credential, when there is one.
/// </summary>
public sealed class DataPlaneConnections(DataPlaneCounters counters, ClusterCredentialOptions? credential = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<DataPlaneConnection>> _connections = new(StringComparer.Ordinal);

    public DataPlaneConnection For(string endpoint) =>
        _connections.GetOrAdd(endpoint, e => new Lazy<DataPlaneConnection>(() => new DataPlaneConnection(e, counters, credential))).Value;

    public void Dispose()
    {
        foreach (var connection in _connections.Values.Where(c => c.IsValueCreated))
            connection.Value.Dispose();
        _connections.Clear();
    }
}
