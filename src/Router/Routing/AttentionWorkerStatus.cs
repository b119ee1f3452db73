namespace Kimi.Cluster.Router.Routing;

/// <summary>One attention worker as GET /health reports it.</summary>
/// <param name="Url">The worker's gRPC address.</param>
/// <param name="Ready">It serves the router's model and is not in a failure backoff.</param>
/// <param name="OutstandingTokens">Prompt tokens + max_tokens of the calls the router has running there.</param>
/// <param name="InFlight">Calls running there.</param>
/// <param name="Routed">Calls routed there since the router started.</param>
/// <param name="Loading">While the worker loads its weights (its last answer said so): how far it has got; null otherwise.</param>
public sealed record AttentionWorkerStatus(string Url, bool Ready, long OutstandingTokens, int InFlight, long Routed, WorkerLoading? Loading = null);

/// <summary>A worker's weight load as GET /health reports it: the percentage done, and the whole report in words.</summary>
public sealed record WorkerLoading(double Percent, string Progress);
