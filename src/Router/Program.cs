using Kimi.Cluster.Router.Cli;

// The router's entry point: `local` starts a worker and serves the HTTP API in front of
// it; `serve` fronts a worker that is already running. Ctrl+C and SIGTERM cancel the
// action's token, which stops the HTTP host and kills the worker it started.
return await RouterCommand.Create().Parse(args).InvokeAsync();
