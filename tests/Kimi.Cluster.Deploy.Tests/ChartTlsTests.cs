using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kimi.Cluster.Deploy.Tests;

/// <summary>
/// Mutual TLS between the processes (tls.enabled): each process's certificate, key and CA from a
/// kubernetes.io/tls Secret mounted read-only, https from the router to the attention workers,
/// worker probes on the plain metrics port (the kubelet's gRPC probes cannot speak TLS), and no
/// cleartext HTTP/2 claim on a TLS port; and the validator's checks of all of it.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class ChartTlsTests
{
    private static readonly string[] Tls = [Chart.CiValues("tls-values.yaml")];

    private static readonly (string Kind, string Name)[] Processes =
        [("Deployment", "kimi-router"), ("StatefulSet", "kimi-attention"), ("StatefulSet", "kimi-expert")];

    private static readonly string[] TlsOptions = ["--tls-cert", "--tls-key", "--tls-ca"];

    [Fact]
    public async Task TlsOff_RendersNoTlsArguments_MountsOrSecretVolumes()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync([Chart.CiValues("full-values.yaml")]);

        foreach (var (kind, name) in Processes)
        {
            var container = chart.Container(kind, name);
            Assert.DoesNotContain(Chart.Args(container), arg => arg.StartsWith("--tls-", StringComparison.Ordinal));
            Assert.DoesNotContain(container["volumeMounts"]!.AsArray(), m => (string?)m!["name"] == "tls");
            Assert.DoesNotContain(Volumes(chart, kind, name), v => v!["secret"] is not null);
        }
        Assert.All(Chart.OptionValues(chart.Container("Deployment", "kimi-router"), "--attention-worker-url"),
            url => Assert.StartsWith("http://", url, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TlsOn_EveryProcessReadsCertificateKeyAndCa_FromItsSecretMountedReadOnly()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(Tls);

        foreach (var (kind, name) in Processes)
        {
            var container = chart.Container(kind, name);
            var mount = container["volumeMounts"]!.AsArray().Single(m => (string?)m!["name"] == "tls")!;
            Assert.True((bool)mount["readOnly"]!);
            string directory = (string)mount["mountPath"]!;
            Assert.Equal([$"{directory}/tls.crt", $"{directory}/tls.key", $"{directory}/ca.crt"],
                TlsOptions.Select(option => Chart.OptionValues(container, option).Single()));
            // The files are exactly the keys cert-manager writes, under their own names.
            var items = TlsVolume(chart, kind, name)["secret"]!["items"]!.AsArray()
                .Select(i => ((string?)i!["key"], (string?)i["path"]));
            Assert.Equal([("tls.crt", "tls.crt"), ("tls.key", "tls.key"), ("ca.crt", "ca.crt")], items);
        }
        // ci/tls-values.yaml names the expert workers' Secret; the others take the default names.
        Assert.Equal(["kimi-router-tls", "kimi-attention-worker-tls", "kimi-expert-mtls"], SecretNames(chart));
    }

    [Fact]
    public async Task TlsOn_SecretsNamedInValues_ReplaceTheDefaultNames()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(Tls,
            ["tls.routerSecret=router-cert", "tls.attentionWorkerSecret=attention-cert", "tls.expertWorkerSecret=expert-cert"]);

        Assert.Equal(["router-cert", "attention-cert", "expert-cert"], SecretNames(chart));
    }

    [Fact]
    public async Task TlsOn_RouterCallsEveryAttentionWorkerOverHttps()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(Tls);

        // With TLS the router refuses an http:// worker URL.
        string port = Chart.OptionValues(chart.Container("StatefulSet", "kimi-attention"), "--port").Single();
        string[] expected = [.. Enumerable.Range(0, 2).Select(i => $"https://kimi-attention-{i}.kimi-attention:{port}")];
        Assert.Equal(expected, Chart.OptionValues(chart.Container("Deployment", "kimi-router"), "--attention-worker-url"));
    }

    [Fact]
    public async Task TlsOn_WorkerProbesGetHealthzOnTheMetricsPort_WithTheConfiguredTimings()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(Tls,
            ["attentionWorkers.probes.startup.failureThreshold=360", "expertWorkers.probes.liveness.periodSeconds=45"]);

        foreach (string name in new[] { "kimi-attention", "kimi-expert" })
        {
            var container = chart.Container("StatefulSet", name);
            var metrics = container["ports"]!.AsArray().Single(p => (string?)p!["name"] == "metrics")!;
            Assert.Equal(Chart.OptionValues(container, "--metrics-port").Single(), ((int)metrics["containerPort"]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (string probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
            {
                Assert.Null(container[probe]!["grpc"]);
                Assert.Equal(("/healthz", "metrics"), ((string?)container[probe]!["httpGet"]!["path"], (string?)container[probe]!["httpGet"]!["port"]));
            }
        }
        Assert.Equal(360, (int)chart.Container("StatefulSet", "kimi-attention")["startupProbe"]!["failureThreshold"]!);
        Assert.Equal(45, (int)chart.Container("StatefulSet", "kimi-expert")["livenessProbe"]!["periodSeconds"]!);
    }

    [Fact]
    public async Task TlsOn_WorkerServicesClaimNoCleartextHttp2_WhileTheRoutersPublicGrpcApiStillDoes()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync(Tls);

        Assert.Null(ServicePort(chart, "kimi-attention", "grpc")["appProtocol"]);
        Assert.Null(ServicePort(chart, "kimi-expert", "data-plane")["appProtocol"]);
        // Only the router's calls to the attention workers use TLS; its own APIs serve clients as before.
        Assert.Equal("kubernetes.io/h2c", (string?)ServicePort(chart, "kimi-router", "grpc")["appProtocol"]);
    }

    [Fact]
    public async Task Validator_RejectsTlsFilesThatAreNotTheirKeyOfAMountedSecret()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        string manifests = await Chart.RenderAsync(Tls, ["model.name=kimi-k2"]);
        string broken = EditObject(manifests, "StatefulSet", "kimi-attention",
            d => d.Replace("{key: ca.crt, path: ca.crt}", "{key: tls.crt, path: ca.crt}", StringComparison.Ordinal));
        broken = EditObject(broken, "Deployment", "kimi-router",
            d => d.Replace("- /etc/kimi-cluster/tls/tls.key", "- /etc/kimi-cluster/keys/tls.key", StringComparison.Ordinal));
        broken = EditObject(broken, "StatefulSet", "kimi-expert",
            d => d.Replace("- /etc/kimi-cluster/tls/tls.crt", "- /models/kimi-k2/tls.crt", StringComparison.Ordinal));

        var (exitCode, _, stderr, _) = await Chart.ValidateAsync(broken);

        Assert.Equal(1, exitCode);
        Assert.Contains("attention-worker's --tls-ca /etc/kimi-cluster/tls/ca.crt is key tls.crt of Secret kimi-attention-worker-tls, not ca.crt", stderr, StringComparison.Ordinal);
        Assert.Contains("router's --tls-key /etc/kimi-cluster/keys/tls.key is in no volume the container mounts", stderr, StringComparison.Ordinal);
        Assert.Contains("expert-worker's --tls-cert /models/kimi-k2/tls.crt is in volume model, which is not a Secret", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validator_RejectsTlsInSomeProcessesOnly_OrWithoutAllThreeFiles()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        string manifests = await Chart.RenderAsync(Tls, []);
        // The router as rendered without TLS; an attention worker missing --tls-ca.
        string broken = EditObject(manifests, "Deployment", "kimi-router",
            d => Regex.Replace(d, @"\n *- --tls-(cert|key|ca)\n *- \S+", "").Replace("https://", "http://", StringComparison.Ordinal));
        broken = EditObject(broken, "StatefulSet", "kimi-attention",
            d => Regex.Replace(d, @"\n *- --tls-ca\n *- \S+", ""));

        var (exitCode, _, stderr, _) = await Chart.ValidateAsync(broken);

        Assert.Equal(1, exitCode);
        Assert.Contains("Deployment/kimi-router: router has no --tls-* arguments while StatefulSet/kimi-attention has them", stderr, StringComparison.Ordinal);
        Assert.Contains("StatefulSet/kimi-attention: attention-worker has --tls-cert, --tls-key but not --tls-ca", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validator_RejectsHttpUrlsGrpcProbesAndCleartextClaims_OnTlsPorts()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        string manifests = await Chart.RenderAsync(Tls, []);
        string broken = EditObject(manifests, "Deployment", "kimi-router",
            d => d.Replace("- https://", "- http://", StringComparison.Ordinal));
        broken = EditObject(broken, "StatefulSet", "kimi-expert",
            d => d.Replace("httpGet: {path: /healthz, port: metrics}", "grpc: {port: 50052}", StringComparison.Ordinal));
        broken = EditObject(broken, "Service", "kimi-attention",
            d => d.Replace("targetPort: grpc, protocol: TCP}", "targetPort: grpc, protocol: TCP, appProtocol: kubernetes.io/h2c}", StringComparison.Ordinal));

        var (exitCode, _, stderr, _) = await Chart.ValidateAsync(broken);

        Assert.Equal(1, exitCode);
        Assert.Contains("router's --attention-worker-url http://kimi-attention-0.kimi-attention:50051 is not https:// with TLS on", stderr, StringComparison.Ordinal);
        Assert.Contains("expert-worker's readinessProbe is a gRPC probe on port 50052, which serves TLS", stderr, StringComparison.Ordinal);
        Assert.Contains("Service/kimi-attention: port grpc claims appProtocol kubernetes.io/h2c (cleartext) but StatefulSet/kimi-attention serves TLS there", stderr, StringComparison.Ordinal);
    }

    private static JsonArray Volumes(Chart chart, string kind, string name) =>
        chart.Get(kind, name)["spec"]!["template"]!["spec"]!["volumes"]!.AsArray();

    private static JsonObject TlsVolume(Chart chart, string kind, string name) =>
        Volumes(chart, kind, name).Single(v => (string?)v!["name"] == "tls")!.AsObject();

    /// <summary>The TLS Secret each process mounts, in <see cref="Processes"/> order.</summary>
    private static List<string?> SecretNames(Chart chart) =>
        [.. Processes.Select(p => (string?)TlsVolume(chart, p.Kind, p.Name)["secret"]!["secretName"])];

    private static JsonObject ServicePort(Chart chart, string service, string port) =>
        chart.Get("Service", service)["spec"]!["ports"]!.AsArray().Single(p => (string?)p!["name"] == port)!.AsObject();

    /// <summary>The manifests with one object's document edited and every other as rendered.</summary>
    private static string EditObject(string manifests, string kind, string name, Func<string, string> edit)
    {
        string[] documents = manifests.Split("\n---\n");
        int index = Array.FindIndex(documents, d => d.Contains($"kind: {kind}\nmetadata:\n  name: {name}\n", StringComparison.Ordinal));
        Assert.True(index >= 0, $"no {kind}/{name} in the rendered manifests");
        documents[index] = edit(documents[index]);
        return string.Join("\n---\n", documents);
    }
}
