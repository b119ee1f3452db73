using System.Globalization;

namespace Kimi.Cluster.Launch;

/// <summary>The command-line arguments of the two worker kinds, as `local` starts them.</summary>
public static class WorkerArguments
{
    /// <summary>An attention worker on a free port; with gateway ports, its routed experts live in those expert workers.</summary>
    /// <remarks>With a Redis connection string, it finds the expert silos' gateways in the membership table instead.</remarks>
    public static IReadOnlyList<string> Attention(
        string? modelDirectory, IReadOnlyList<int>? expertGatewayPorts, TimeSpan? expertCallTimeout, string? orleansRedis = null)
    {
        var arguments = new List<string> { "--port", "0", "--metrics-port", "0" };
        AddModel(arguments, modelDirectory);
        if (expertGatewayPorts is { Count: > 0 } && orleansRedis is not null)
            arguments.AddRange(["--orleans-redis", orleansRedis]);
        else if (expertGatewayPorts is { Count: > 0 })
            arguments.AddRange(["--expert-gateway-ports", string.Join(",", expertGatewayPorts.Select(Text))]);
        if (expertCallTimeout is { } timeout)
            arguments.AddRange(["--expert-call-timeout", timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)]);
        return arguments;
    }

    /// <summary>Expert worker <paramref name="ports"/>.Index; with localhost clustering its silo joins the primary on <paramref name="primarySiloPort"/>.</summary>
    public static IReadOnlyList<string> Expert(
        string? modelDirectory, ExpertWorkerPorts ports, int primarySiloPort, int shards, int replicas, string? orleansRedis = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var arguments = new List<string>
        {
            "--silo-port", Text(ports.SiloPort),
            "--gateway-port", Text(ports.GatewayPort),
            "--primary-silo-port", Text(primarySiloPort),
            "--data-plane-port", "0",
            "--metrics-port", "0",
            "--shards", Text(shards),
            "--replicas", Text(replicas),
        };
        if (orleansRedis is not null)
            arguments.AddRange(["--orleans-redis", orleansRedis]);
        AddModel(arguments, modelDirectory);
        return arguments;
    }

    private static void AddModel(List<string> arguments, string? modelDirectory)
    {
        if (modelDirectory is not null)
            arguments.AddRange(["--model", modelDirectory]);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
