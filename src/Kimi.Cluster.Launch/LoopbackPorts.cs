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
