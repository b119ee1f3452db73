namespace Kimi.Cluster.Abstractions;

/// <summary>The Orleans service and cluster ids that expert silos and their clients must share.</summary>
public static class ClusterIdentity
{
    public const string ServiceId = "kimi-cluster";
    public const string ClusterId = "kimi-local";
}
