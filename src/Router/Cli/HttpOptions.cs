using System.CommandLine;
using System.Net;
using Kimi.Cluster.ServiceDefaults;

namespace Kimi.Cluster.Router.Cli;

/// <summary>Owns the options every serving subcommand shares: where the HTTP and gRPC APIs listen.</summary>
public sealed class HttpOptions
{
    public Option<int> Port { get; } = new("--port")
    {
        Description = "HTTP port of the OpenAI-compatible API; 0 picks a free one.",
        DefaultValueFactory = _ => 8000,
    };

    public Option<string> Host { get; } = new("--host")
    {
        Description = "Address the HTTP API binds to (an IP address or localhost); 0.0.0.0 serves every interface.",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    public Option<int?> GrpcPort { get; } = new("--grpc-port")
    {
        Description = "HTTP/2 port of the KimiGenerate gRPC API (with gRPC health and reflection); 0 picks a free one. Omitted: no gRPC API.",
    };

    public HttpOptions()
    {
        GrpcPort.Validators.Add(result =>
        {
            if (result.TryGetValue(out int? port) && port is < 0 or > 65535)
                result.AddError("--grpc-port must be in 0..65535.");
        });
        Port.Validators.Add(result =>
        {
            if (result.TryGetValue(out int port) && port is < 0 or > 65535)
                result.AddError("--port must be in 0..65535.");
        });
        Host.Validators.Add(result =>
        {
            string host = result.GetValueOrDefault<string>() ?? "";
            if (ParseAddress(host) is null)
                result.AddError($"--host: '{host}' is neither an IP address nor localhost.");
        });
    }

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Add(Port);
        command.Add(Host);
        command.Add(GrpcPort);
    }

    /// <summary>localhost maps to 127.0.0.1 because Kestrel cannot pick a free port for "localhost".</summary>
    public static IPAddress? ParseAddress(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var address) ? address
        : null;
}
