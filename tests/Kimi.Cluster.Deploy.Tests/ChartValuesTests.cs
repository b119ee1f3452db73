namespace Kimi.Cluster.Deploy.Tests;

/// <summary>
/// Values that change the shape of the release (scaling, the chart's own Redis and model claim)
/// and values the chart refuses; and the validator's own sensitivity, so that a passing
/// validation means something.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class ChartValuesTests
{
    [Fact]
    public async Task SetAttentionWorkerReplicas_ListsEveryWorkerInTheRouterArgs()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(sets: ["attentionWorkers.replicas=4", "attentionWorkers.grpcPort=6000"]);

        string[] urls = Chart.OptionValues(chart.Container("Deployment", "kimi-router"), "--attention-worker-url");
        Assert.Equal([.. Enumerable.Range(0, 4).Select(i => $"http://kimi-attention-{i}.kimi-attention:6000")], urls);
    }

    [Fact]
    public async Task InClusterRedis_IsDeployed_AndItsAddressGoesToEveryWorker()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync([Chart.CiValues("in-cluster-redis-values.yaml")]);

        Assert.True(chart.Has("Deployment", "kimi-redis"));
        var redisPort = chart.Get("Service", "kimi-redis")["spec"]!["ports"]![0]!;
        string address = $"kimi-redis:{(int)redisPort["port"]!}";
        Assert.Equal(address, (string?)Chart.Env(chart.Container("StatefulSet", "kimi-expert"), "KIMI_ORLEANS_REDIS")?["value"]);
        Assert.Equal(address, (string?)Chart.Env(chart.Container("StatefulSet", "kimi-attention"), "KIMI_ORLEANS_REDIS")?["value"]);
        Assert.Equal(["2"], Chart.OptionValues(chart.Container("StatefulSet", "kimi-expert"), "--shards")); // one per expert worker
        Assert.Equal("kimi-model", (string?)chart.Get("PersistentVolumeClaim", "kimi-model")["metadata"]!["name"]);
    }

    [Theory]
    [InlineData("expertWorkers.shardReplicas=3", "must be at most expertWorkers.replicas")]
    [InlineData("redis.enabled=false", "redis.external.connectionString")]
    [InlineData("expertWorkers.terminationGracePeriodSeconds=100", "must be at least handoffSeconds + 30 (150)")]
    public async Task InvalidExpertSettings_FailTheRender_WithTheReason(string set, string message)
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }

        var (exitCode, _, stderr) = await Chart.TryRenderAsync([], ["expertWorkers.replicas=2", set]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validator_RejectsSchemaErrorsAndDanglingReferences()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        string manifests = await Chart.RenderAsync([], []);
        string broken = manifests
            .Replace("httpGet: {path: /health, port: http}", "httpGet: {path: /health, port: htp}", StringComparison.Ordinal)
            .Replace("replicas: 1", "replicas: one", StringComparison.Ordinal);

        var (exitCode, _, stderr, _) = await Chart.ValidateAsync(broken);

        Assert.Equal(1, exitCode);
        Assert.Contains("livenessProbe port htp is not one of its container ports", stderr, StringComparison.Ordinal);
        Assert.Contains("replicas must be integer", stderr, StringComparison.Ordinal);
    }
}
