namespace Kimi.Cluster.Router.Hosting;

/// <summary>Which worker the router fronts and where its HTTP API listens (port 0 picks a free one).</summary>
public sealed record RouterHostOptions(Uri WorkerAddress, string Host, int Port);
