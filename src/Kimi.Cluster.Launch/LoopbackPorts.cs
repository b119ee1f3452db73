using System.Net;
using System.Net.Sockets;

namespace Kimi.Cluster.Launch;

/// <summary>
/// Free TCP ports on 127.0.0.1 for processes that cannot pick their own (Orleans silos must know
/// each other's ports up front). All are held open together so they differ; a port can still
/// be taken by someone else between here and the worker binding it, which the worker then reports.
/// </summary>
public static class LoopbackPorts
{
    /// <summary>How many times a start on picked ports is tried before its port error is thrown.</summary>
    public const int Attempts = 5;

    /// <summary>
    /// Runs <paramref name="start"/> on <paramref name="count"/> ports from <paramref name="pick"/>;
    /// when it fails because another process took one of them between the pick and the bind
    /// (<paramref name="portTaken"/>), tells <paramref name="retrying"/> and picks again, up to
    /// <see cref="Attempts"/> times in all.
    /// </summary>
    public static async Task<T> StartOnFreePortsAsync<T>(
        Func<int, int[]> pick, int count, Func<int[], Task<T>> start, Func<Exception, bool> portTaken, Action<int[], int>? retrying = null)
    {
        ArgumentNullException.ThrowIfNull(pick);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(portTaken);
        for (int attempt = 1; ; attempt++)
        {
            int[] ports = pick(count);
            try
            {
                return await start(ports);
            }
            catch (Exception error) when (portTaken(error) && attempt < Attempts)
            {
                retrying?.Invoke(ports, attempt);
            }
        }
    }

    /// <summary>
    /// <paramref name="count"/> distinct ports from <paramref name="pick"/>, none of them in
    /// <paramref name="assigned"/> (ports already handed to other workers that may not have bound
    /// them yet: the OS holds them free till then, and a pick for a worker starting beside them can
    /// return one; two silos then listened on one port, Orleans binding it with address reuse, and
    /// no cluster formed). Picks again while a pick clashes, up to <see cref="Attempts"/> × 4 picks.
    /// </summary>
    public static int[] PickUnassigned(Func<int, int[]> pick, int count, IReadOnlySet<int> assigned)
    {
        ArgumentNullException.ThrowIfNull(pick);
        ArgumentNullException.ThrowIfNull(assigned);
        for (int attempt = 1; ; attempt++)
        {
            int[] ports = pick(count);
            if (ports.Distinct().Count() == ports.Length && !ports.Any(assigned.Contains))
                return ports;
            if (attempt == Attempts * 4)
            {
                throw new InvalidOperationException(
                    $"{attempt} picks of {count} loopback ports each held a port twice or one of the {assigned.Count} already handed out ({string.Join(", ", assigned.Order())}); the last: {string.Join(", ", ports)}");
            }
        }
    }

    public static int[] Pick(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
                listener.Stop();
        }
    }
}
