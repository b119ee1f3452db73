using System.Globalization;

namespace Kimi.Cluster.AttentionWorker.Cli;

/// <summary>Reads a comma-separated list of TCP ports such as "30001,30002".</summary>
public static class PortList
{
    /// <summary>The ports, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static IReadOnlyList<int>? TryParse(string text, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ports = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            {
                error = $"'{part}' is not a port in 1..65535";
                return null;
            }
            ports.Add(port);
        }
        error = "";
        return ports;
    }
}
