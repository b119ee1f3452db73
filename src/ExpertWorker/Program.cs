using Kimi.Cluster.ExpertWorker.Cli;

// Entry point of one expert worker process: an Orleans silo owning expert shards plus the gRPC
// data plane that computes them, until the host stops (Ctrl+C, SIGTERM, or the parent exiting).
return await ExpertWorkerCommand.Create().Parse(args).InvokeAsync();
