using System.Text.Json.Nodes;

namespace Kimi.Cluster.Deploy.Tests;

/// <summary>
/// The chart rendered with its defaults and with the ci/ values files: every object passes the
/// Kubernetes schemas and the validator's reference checks, and the wiring between the
/// processes (worker URLs, ports, probes, Orleans and Redis settings) is what the processes expect.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class ChartTests
{
    private static readonly string[] Full = [Chart.CiValues("full-values.yaml")];

    [Fact]
    public async Task Defaults_RenderRouterAndOneAttentionWorker_WithoutOrleans()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync();

        var router = chart.Container("Deployment", "kimi-router");
        Assert.Equal("serve", Chart.Args(router)[0]);
        Assert.Equal(["http://kimi-attention-0.kimi-attention:50051"], Chart.OptionValues(router, "--attention-worker-url"));
        Assert.Empty(Chart.OptionValues(router, "--model")); // the built-in tiny model
        Assert.False(chart.Has("StatefulSet", "kimi-expert"));
        Assert.False(chart.Has("Deployment", "kimi-redis"));
        Assert.False(chart.Has("ServiceMonitor", "kimi"));
        Assert.Null(Chart.Env(chart.Container("StatefulSet", "kimi-attention"), "KIMI_ORLEANS_REDIS"));
    }

    [Fact]
    public async Task FullValues_RouterListsEveryAttentionWorker_ThroughTheHeadlessService()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(Full);

        var attention = chart.Get("StatefulSet", "kimi-attention");
        Assert.Equal(3, (int)attention["spec"]!["replicas"]!);
        var service = chart.Get("Service", (string)attention["spec"]!["serviceName"]!);
        Assert.Equal("None", (string?)service["spec"]!["clusterIP"]);
        string port = Chart.OptionValues(chart.Container("StatefulSet", "kimi-attention"), "--port").Single();
        string[] expected = [.. Enumerable.Range(0, 3).Select(i => $"http://kimi-attention-{i}.kimi-attention:{port}")];
        Assert.Equal(expected, Chart.OptionValues(chart.Container("Deployment", "kimi-router"), "--attention-worker-url"));
    }

    [Fact]
    public async Task FullValues_LargeNumbersInArgs_RenderAsIntegers()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(Full);

        // Helm reads values as floats; printed as they are, 16777216 would be 1.6777216e+07.
        Assert.Equal(["16777216"], Chart.OptionValues(chart.Container("Deployment", "kimi-router"), "--max-body-bytes"));
        Assert.Equal(["262144"], Chart.OptionValues(chart.Container("StatefulSet", "kimi-attention"), "--kv-cache-tokens"));
    }

    [Fact]
    public async Task FullValues_ExpertWorkers_GetLayoutOrleansIdentityAndExternalRedis()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(Full);

        var experts = chart.Get("StatefulSet", "kimi-expert");
        Assert.Equal(4, (int)experts["spec"]!["replicas"]!);
        var expert = chart.Container("StatefulSet", "kimi-expert");
        Assert.Equal(["4"], Chart.OptionValues(expert, "--shards"));
        Assert.Equal(["2"], Chart.OptionValues(expert, "--replicas"));
        Assert.Equal(["/models/kimi-k2.5"], Chart.OptionValues(expert, "--model"));
        var labels = experts["spec"]!["template"]!["metadata"]!["labels"]!;
        Assert.Equal("kimi-cluster", (string?)labels["orleans/serviceId"]);
        Assert.Equal("kimi-prod", (string?)labels["orleans/clusterId"]);
        foreach (string name in new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP" })
            Assert.NotNull(Chart.Env(expert, name)?["valueFrom"]?["fieldRef"]);
        Assert.Equal("metadata.labels['orleans/clusterId']", (string?)Chart.Env(expert, "ORLEANS_CLUSTER_ID")?["valueFrom"]?["fieldRef"]?["fieldPath"]);
        Assert.Equal("kimi-prod", (string?)Chart.Env(chart.Container("StatefulSet", "kimi-attention"), "ORLEANS_CLUSTER_ID")?["value"]);
        const string redis = "redis-master.redis.svc.cluster.local:6379,abortConnect=false";
        Assert.Equal(redis, (string?)Chart.Env(expert, "KIMI_ORLEANS_REDIS")?["value"]);
        Assert.Equal(redis, (string?)Chart.Env(chart.Container("StatefulSet", "kimi-attention"), "KIMI_ORLEANS_REDIS")?["value"]);
        Assert.False(chart.Has("Deployment", "kimi-redis"));
        Assert.Equal(8, (int)expert["resources"]!["limits"]!["nvidia.com/gpu"]!);
        Assert.Equal("kimi-orleans", (string?)experts["spec"]!["template"]!["spec"]!["serviceAccountName"]);
        string[] verbs = [.. chart.Get("Role", "kimi-orleans")["rules"]![0]!["verbs"]!.AsArray().Select(v => (string)v!)];
        Assert.Equal(["get", "list", "watch", "delete"], verbs);
    }

    [Fact]
    public async Task FullValues_ModelClaim_IsMountedReadOnlyWhereModelPoints()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(Full);

        foreach (var (kind, name) in new[] { ("Deployment", "kimi-router"), ("StatefulSet", "kimi-attention"), ("StatefulSet", "kimi-expert") })
        {
            var container = chart.Container(kind, name);
            var mount = container["volumeMounts"]!.AsArray().Single(m => (string?)m!["name"] == "model")!;
            Assert.Equal(Chart.OptionValues(container, "--model").Single(), (string?)mount["mountPath"]);
            Assert.True((bool)mount["readOnly"]!);
            var volume = chart.Get(kind, name)["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "model")!;
            Assert.Equal("kimi-models", (string?)volume["persistentVolumeClaim"]?["claimName"]);
        }
        Assert.False(chart.Has("PersistentVolumeClaim", "kimi-model"));
    }

    [Fact]
    public async Task FullValues_ServiceMonitor_ScrapesTheMetricsPortOfEveryProcess()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(Full);

        var monitor = chart.Get("ServiceMonitor", "kimi");
        Assert.Equal("prometheus", (string?)monitor["metadata"]!["labels"]!["release"]);
        Assert.Equal("metrics", (string?)monitor["spec"]!["endpoints"]![0]!["port"]);
        foreach (var (kind, name) in new[] { ("Deployment", "kimi-router"), ("StatefulSet", "kimi-attention"), ("StatefulSet", "kimi-expert") })
        {
            var container = chart.Container(kind, name);
            string metricsPort = Chart.OptionValues(container, "--metrics-port").Single();
            Assert.Contains(container["ports"]!.AsArray(), p => (string?)p!["name"] == "metrics" && (int)p["containerPort"]! == int.Parse(metricsPort));
            Assert.Contains(chart.Get("Service", name)["spec"]!["ports"]!.AsArray(), p => (string?)p!["name"] == "metrics");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("full-values.yaml")]
    [InlineData("in-cluster-redis-values.yaml")]
    public async Task Probes_PointAtThePortsTheProcessesListenOn(string valuesFile)
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(valuesFile.Length == 0 ? [] : [Chart.CiValues(valuesFile)]);

        var router = chart.Container("Deployment", "kimi-router");
        var httpPort = router["ports"]!.AsArray().Single(p => (string?)p!["name"] == "http")!;
        Assert.Equal(Chart.OptionValues(router, "--port").Single(), ((int)httpPort["containerPort"]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(("/health", "http"), ((string?)router["livenessProbe"]!["httpGet"]!["path"], (string?)router["livenessProbe"]!["httpGet"]!["port"]));
        Assert.Equal(("/health_generate", "http"), ((string?)router["readinessProbe"]!["httpGet"]!["path"], (string?)router["readinessProbe"]!["httpGet"]!["port"]));
        AssertGrpcProbes(chart.Container("StatefulSet", "kimi-attention"), "--port");
        if (chart.Has("StatefulSet", "kimi-expert"))
            AssertGrpcProbes(chart.Container("StatefulSet", "kimi-expert"), "--data-plane-port");
    }

    private static void AssertGrpcProbes(JsonObject container, string portOption)
    {
        int port = int.Parse(Chart.OptionValues(container, portOption).Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(container["ports"]!.AsArray(), p => (int)p!["containerPort"]! == port);
        foreach (string probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
            Assert.Equal(port, (int?)container[probe]?["grpc"]?["port"]);
    }
}
