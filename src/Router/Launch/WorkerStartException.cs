namespace Kimi.Cluster.Router.Launch;

/// <summary>The attention worker could not be found, started, or did not become ready.</summary>
public sealed class WorkerStartException(string message) : Exception(message);
