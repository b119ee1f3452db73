namespace Kimi.Cluster.ServiceDefaults;

/// <summary>TLS options that cannot be used: incomplete, unreadable, or a certificate the CA did not sign. The message names the option.</summary>
public sealed class ClusterTlsException : Exception
{
    public ClusterTlsException(string message)
        : base(message)
    {
    }

    public ClusterTlsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
