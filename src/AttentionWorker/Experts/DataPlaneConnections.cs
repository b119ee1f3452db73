using System.Collections.Concurrent;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>One <see cref="DataPlaneConnection"/> per expert-worker endpoint, opened on first use and kept.</summary>
public sealed class DataPlaneConnections(DataPlaneCounters counters) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<DataPlaneConnection>> _connections = new(StringComparer.Ordinal);

    public DataPlaneConnection For(string endpoint) =>
        _connections.GetOrAdd(endpoint, e => new Lazy<DataPlaneConnection>(() => new DataPlaneConnection(e, counters))).Value;

    public void Dispose()
    {
        foreach (var connection in _connections.Values.Where(c => c.IsValueCreated))
            connection.Value.Dispose();
        _connections.Clear();
    }
}
