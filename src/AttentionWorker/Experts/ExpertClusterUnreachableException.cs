namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>The expert cluster could not be reached, or gave no usable placement table, before the connect timeout.</summary>
public sealed class ExpertClusterUnreachableException(string message, Exception innerException) : Exception(message, innerException);
