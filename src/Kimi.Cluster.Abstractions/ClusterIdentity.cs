namespace Kimi.Cluster.Abstractions;

/// <summary>
/// The Orleans service and cluster ids that expert silos and their clients must share, and the
/// Redis membership store they meet in when they do not run on one machine.
/// </summary>
public static class ClusterIdentity
{
    public const string ServiceId = "kimi-cluster";
    public const string ClusterId = "kimi-local";

    /// <summary>The Redis connection string of the membership table, when no option names one.</summary>
    public const string RedisEnvironmentVariable = "KIMI_ORLEANS_REDIS";

    /// <summary>The variables Orleans' Kubernetes hosting reads; clients read them too, to join the same cluster.</summary>
    public const string ServiceIdEnvironmentVariable = "ORLEANS_SERVICE_ID";
    public const string ClusterIdEnvironmentVariable = "ORLEANS_CLUSTER_ID";

    /// <summary>Whether <paramref name="type"/> (a grain class or interface) is ours rather than Orleans' own: our namespaces start with "Kimi.".</summary>
    public static bool IsOurs(Type? type) => type?.Namespace?.StartsWith("Kimi.", StringComparison.Ordinal) == true;

    /// <summary>ORLEANS_SERVICE_ID when set, else <see cref="ServiceId"/>.</summary>
    public static string ResolveServiceId() => FromEnvironment(ServiceIdEnvironmentVariable) ?? ServiceId;

    /// <summary>ORLEANS_CLUSTER_ID when set, else <see cref="ClusterId"/>.</summary>
    public static string ResolveClusterId() => FromEnvironment(ClusterIdEnvironmentVariable) ?? ClusterId;

    /// <summary>The --orleans-redis value when given, else KIMI_ORLEANS_REDIS, else null (localhost clustering).</summary>
    public static string? ResolveRedis(string? option) =>
        string.IsNullOrWhiteSpace(option) ? FromEnvironment(RedisEnvironmentVariable) : option;

    private static string? FromEnvironment(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
