using System.Net.Sockets;

namespace Kimi.Cluster.ServiceDefaults;

/// <summary>
/// Exit codes a worker uses to tell its launcher why it stopped before it was ready, where the
/// launcher can do something about it.
/// </summary>
public static class WorkerExitCodes
{
    /// <summary>
    /// A port it was told to listen on was taken. `local` picks the Orleans ports up front and
    /// frees them before the worker binds them, so another process can take one meanwhile; the
    /// launcher then starts the worker again on other ports.
    /// </summary>
    public const int PortInUse = 98;

    /// <summary>
    /// The worker could not load its model (a missing or malformed tensor, an unsupported
    /// format, an unreadable file) and said why in one line on stderr. Starting it again would
    /// fail the same way, so a launcher does not.
    /// </summary>
    public const int LoadFailed = 3;

    /// <summary>Says on stderr, in one line and without a stack trace, why the model cannot load; returns <see cref="LoadFailed"/>.</summary>
    public static async Task<int> LoadFailedAsync(string reason)
    {
        await Console.Error.WriteLineAsync($"Cannot load the model: {reason}");
        return LoadFailed;
    }

    /// <summary>Whether <paramref name="error"/> or one of its inner exceptions is a bind to a taken address.</summary>
    public static bool IsPortInUse(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
                return true;
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsPortInUse))
                return true;
        }
        return false;
    }
}
