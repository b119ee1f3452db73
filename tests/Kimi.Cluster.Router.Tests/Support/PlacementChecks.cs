using Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>Checks a cluster's placement table (from the attention worker) against the expert workers' load reports.</summary>
public static class PlacementChecks
{
    /// <summary>
    /// Every shard has <paramref name="replicas"/> replicas on different workers; each worker loaded
    /// exactly the shards the table places on it, and of each only its experts' tensors; across the
    /// workers every expert tensor was loaded <paramref name="replicas"/> times.
    /// </summary>
    public static async Task AssertLoadedOncePerReplicaAsync(
        ClusterUnderTest cluster, IReadOnlyDictionary<int, string[]> expertTensors, int replicas, long bytesPerTensor)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(expertTensors);
        var stats = await cluster.StatsAsync();
        var reports = await Task.WhenAll(cluster.Experts.Select(expert => cluster.LoadReportAsync(expert)));
        Assert.True(stats.ExpertParallel, cluster.Label);
        Assert.Equal(expertTensors.Count, stats.Shards.Sum(s => s.ExpertIds.Count));
        Assert.All(stats.Shards, shard => Assert.Equal(replicas, shard.Endpoints.Select(Normalize).Distinct().Count()));

        var loads = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (worker, report) in cluster.Experts.Zip(reports))
        {
            string endpoint = Normalize(worker.Address.ToString());
            string context = $"{cluster.Label}, {worker.Name} at {endpoint}";
            Assert.Equal(endpoint, Normalize(report.Endpoint));
            var placedHere = stats.Shards.Where(s => s.Endpoints.Select(Normalize).Contains(endpoint)).Select(s => s.Shard).Order().ToArray();
            Assert.True(placedHere.SequenceEqual(report.Shards.Select(s => s.Shard).Order()),
                $"{context} holds shards [{string.Join(",", report.Shards.Select(s => s.Shard))}] but the table places [{string.Join(",", placedHere)}] there");
            foreach (var loaded in report.Shards)
                CountShard(loaded, stats.Shards.Single(s => s.Shard == loaded.Shard), expertTensors, bytesPerTensor, loads, context);
        }
        var all = expertTensors.Values.SelectMany(names => names).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(all, loads.Keys.Order(StringComparer.Ordinal));
        Assert.All(loads, pair => Assert.True(pair.Value == replicas, $"{cluster.Label}: {pair.Key} loaded {pair.Value} times"));
    }

    private static void CountShard(
        LoadedShard loaded, ShardPlacement placed, IReadOnlyDictionary<int, string[]> expertTensors, long bytesPerTensor,
        Dictionary<string, int> loads, string context)
    {
        int[] experts = [.. placed.ExpertIds.Select(e => (int)e)];
        Assert.Equal(experts, loaded.ExpertIds.Select(e => (int)e).Order());
        var expected = experts.SelectMany(e => expertTensors[e]).Order(StringComparer.Ordinal).ToArray();
        var names = loaded.TensorNames.Order(StringComparer.Ordinal).ToArray();
        Assert.True(expected.SequenceEqual(names),
            $"{context}, shard {loaded.Shard}: loaded [{string.Join(", ", names.Except(expected))}] beyond its experts' tensors, " +
            $"missing [{string.Join(", ", expected.Except(names))}]");
        Assert.Equal(names.Length, loaded.LoadedTensors);
        Assert.Equal(bytesPerTensor * names.Length, loaded.LoadedBytes);
        foreach (string name in names)
            loads[name] = loads.GetValueOrDefault(name) + 1;
    }

    /// <summary>The launcher prints addresses as URIs ("http://127.0.0.1:5000/"); the table may leave the slash off.</summary>
    public static string Normalize(string endpoint) => endpoint.TrimEnd('/');
}
