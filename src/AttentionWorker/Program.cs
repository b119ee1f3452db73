using Kimi.Cluster.AttentionWorker.Cli;

// Entry point of one attention worker process: parse the command line and serve gRPC
// until the host stops (Ctrl+C, SIGTERM, or the parent process going away).
return await WorkerCommand.Create().Parse(args).InvokeAsync();
