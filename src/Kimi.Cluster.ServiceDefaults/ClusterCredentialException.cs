namespace Kimi.Cluster.ServiceDefaults;

/// <summary>A cluster credential that cannot be used: too short, or its file unreadable. The message says which.</summary>
public sealed class ClusterCredentialException : Exception
{
    public ClusterCredentialException(string message)
        : base(message)
    {
    }

    public ClusterCredentialException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
