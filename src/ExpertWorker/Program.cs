// Placeholder entry point until expert parallelism lands: the routed experts run inside
// the attention worker (`local --expert-workers 0`).
Console.Error.WriteLine("Kimi.Cluster.ExpertWorker: distributed expert shards are not available yet; run the cluster with --expert-workers 0.");
return 2;
