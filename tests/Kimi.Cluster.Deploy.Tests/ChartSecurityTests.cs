using System.Text;
using System.Text.Json.Nodes;

namespace Kimi.Cluster.Deploy.Tests;

/// <summary>
/// The doors the chart closes: a cluster credential from a Secret in every process, and
/// NetworkPolicies that let only the router reach the attention workers and only the workers
/// reach the expert workers and Redis; and the validator's checks of both.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class ChartSecurityTests
{
    private static readonly (string Kind, string Name)[] Processes =
        [("Deployment", "kimi-router"), ("StatefulSet", "kimi-attention"), ("StatefulSet", "kimi-expert")];

    [Fact]
    public async Task Credential_ComesFromTheChartsSecret_InEveryProcess()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync([Chart.CiValues("full-values.yaml")]);

        string encoded = (string)chart.Get("Secret", "kimi-cluster-credential")["data"]!["credential"]!;
        Assert.True(Encoding.UTF8.GetString(Convert.FromBase64String(encoded)).Length >= 16);
        Assert.All(CredentialReferences(chart), reference => Assert.Equal(("kimi-cluster-credential", "credential"), reference));
    }

    [Fact]
    public async Task Credential_ComesFromAnExistingSecret_WhenOneIsNamed()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync([Chart.CiValues("full-values.yaml")],
            ["clusterCredential.existingSecret=my-credential", "clusterCredential.key=token"]);

        Assert.False(chart.Has("Secret", "kimi-cluster-credential"));
        Assert.All(CredentialReferences(chart), reference => Assert.Equal(("my-credential", "token"), reference));
    }

    [Fact]
    public async Task NetworkPolicies_LetOnlyTheRouterReachAttentionWorkers_AndOnlyWorkersReachExpertsAndRedis()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync([Chart.CiValues("in-cluster-redis-values.yaml")]);

        Assert.Equal(["router -> grpc", "anyone -> metrics"], Rules(chart.Get("NetworkPolicy", "kimi-attention-workers")));
        Assert.Equal(
            ["attention-worker,expert-worker -> data-plane,gateway", "expert-worker -> silo", "anyone -> metrics"],
            Rules(chart.Get("NetworkPolicy", "kimi-expert-workers")));
        Assert.Equal(["attention-worker,expert-worker -> redis"], Rules(chart.Get("NetworkPolicy", "kimi-redis")));
        Assert.False(chart.Has("NetworkPolicy", "kimi-router")); // the API itself is public
    }

    [Fact]
    public async Task NetworkPolicies_AreLeftOut_WhenTurnedOff()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        var chart = await Chart.RenderAndValidateAsync([Chart.CiValues("full-values.yaml")], ["networkPolicy.enabled=false"]);

        Assert.DoesNotContain(chart.Objects, o => (string?)o["kind"] == "NetworkPolicy");
    }

    [Fact]
    public async Task Validator_RejectsPolicyPortsAndSecretKeysThatDoNotExist()
    {
        if (await DeployTools.UnavailableReasonAsync() is { } reason) { Console.WriteLine(reason); return; }
        string manifests = await Chart.RenderAsync([Chart.CiValues("full-values.yaml")], []);
        string broken = manifests
            .Replace("- {port: silo, protocol: TCP}", "- {port: sylo, protocol: TCP}", StringComparison.Ordinal)
            .Replace("  credential: ", "  other: ", StringComparison.Ordinal);

        var (exitCode, _, stderr, _) = await Chart.ValidateAsync(broken);

        Assert.Equal(1, exitCode);
        Assert.Contains("NetworkPolicy/kimi-expert-workers: port sylo is not a container port", stderr, StringComparison.Ordinal);
        Assert.Contains("reads key credential, which Secret/kimi-cluster-credential does not have", stderr, StringComparison.Ordinal);
    }

    /// <summary>Each process's KIMI_CLUSTER_CREDENTIAL source as (Secret name, key).</summary>
    private static List<(string? Secret, string? Key)> CredentialReferences(Chart chart) =>
        [.. Processes.Select(p => Chart.Env(chart.Container(p.Kind, p.Name), "KIMI_CLUSTER_CREDENTIAL")?["valueFrom"]?["secretKeyRef"])
            .Select(reference => ((string?)reference?["name"], (string?)reference?["key"]))];

    /// <summary>Each ingress rule as "the components it admits -> its ports" ("anyone" when it names no peer).</summary>
    private static List<string> Rules(JsonObject policy) =>
        [.. policy["spec"]!["ingress"]!.AsArray().Select(rule =>
        {
            var from = (rule!["from"]?.AsArray() ?? []).Select(peer => (string)peer!["podSelector"]!["matchLabels"]!["app.kubernetes.io/component"]!).ToList();
            return $"{(from.Count == 0 ? "anyone" : string.Join(',', from))} -> {string.Join(',', rule["ports"]!.AsArray().Select(p => (string)p!["port"]!))}";
        })];
}
