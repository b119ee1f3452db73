using System.Collections.Immutable;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.Model.Checkpoints;
using Microsoft.Extensions.Options;

namespace Kimi.Cluster.ExpertWorker.Grains;

/// <summary>
/// The placement table: built by activating every shard replica (placement puts them on the
/// silos) and asking each where its data plane is. Versions are clock ticks so that a table
/// rebuilt after this grain moved is still newer than any before it.
/// </summary>
public sealed partial class PlacementTableGrain(
    ModelSource source, IOptions<ExpertPlacementOptions> options, ILogger<PlacementTableGrain> logger) : Grain, IPlacementTableGrain
{
    private static readonly TimeSpan ReplicaCallTimeout = TimeSpan.FromSeconds(20);
    private PlacementTable? _table;

    public async ValueTask<PlacementTable> GetTable()
    {
        if (_table is null || _table.Shards.Any(s => s.Endpoints.Length < options.Value.Replicas))
            _table = Newer(await Build(failedEndpoint: null));
        return _table;
    }

    public async ValueTask<PlacementTable> ReportFailure(long seenVersion, string failedEndpoint)
    {
        if (_table is not null && _table.Version > seenVersion)
            return _table;
        LogFailureReported(logger, failedEndpoint, seenVersion);
        _table = await Build(failedEndpoint);
        return _table;
    }

    /// <summary>The built table, or the current one when nothing moved (its version, and the workers' view, stay).</summary>
    private PlacementTable Newer(PlacementTable built) =>
        _table is not null && built.Shards.Length == _table.Shards.Length
            && built.Shards.Zip(_table.Shards).All(p => p.First.Endpoints.SequenceEqual(p.Second.Endpoints))
            ? _table : built;

    /// <summary>
    /// Asks every replica where it lives; replicas that do not answer (or answer from the failed
    /// endpoint) are left out. Replicas of a shard that share a worker (placed so while a worker was
    /// down) are placed again when the cluster has more workers than the shard now uses.
    /// </summary>
    private async Task<PlacementTable> Build(string? failedEndpoint)
    {
        int shardCount = options.Value.Shards, replicas = options.Value.Replicas, experts = source.Config.NRoutedExperts;
        int silos = await ActiveSiloCount();
        var shards = await Task.WhenAll(Enumerable.Range(0, shardCount).Select(async shard =>
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, replicas).Select(r => Locate(shard, r)));
            answers = await SpreadAsync(shard, answers, silos);
            var endpoints = answers.OfType<string>().Where(e => e != failedEndpoint).Distinct().ToImmutableArray();
            var (first, count) = ExpertShardRanges.Of(shard, shardCount, experts);
            return new ShardReplicas(shard, first, count, endpoints);
        }));
        var table = new PlacementTable(DateTime.UtcNow.Ticks, experts, [.. shards]);
        foreach (var shard in table.Shards)
            LogShard(logger, table.Version, shard.Shard, shard.FirstExpert, shard.FirstExpert + shard.ExpertCount - 1, string.Join(", ", shard.Endpoints));
        return table;
    }

    /// <summary>
    /// Places again each replica that shares its worker with an earlier replica of the shard, when
    /// there are more workers than the shard uses (a worker came back): placement then puts it on
    /// its own worker. Returns where every replica is afterwards.
    /// </summary>
    private async Task<string?[]> SpreadAsync(int shard, string?[] answers, int silos)
    {
        var shared = Enumerable.Range(0, answers.Length)
            .Where(r => answers[r] is { } endpoint && Array.IndexOf(answers, endpoint) < r).ToArray();
        if (shared.Length == 0 || answers.OfType<string>().Distinct().Count() >= silos)
            return answers;
        foreach (int replica in shared)
        {
            LogSpreading(logger, shard, replica, answers[replica]!);
            await GrainFactory.GetGrain<IExpertShardGrain>(IExpertShardGrain.Key(shard, replica)).Replace();
            answers[replica] = await Locate(shard, replica);
        }
        return answers;
    }

    private async Task<int> ActiveSiloCount() =>
        (await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count;

    private async Task<string?> Locate(int shard, int replica)
    {
        try
        {
            var grain = GrainFactory.GetGrain<IExpertShardGrain>(IExpertShardGrain.Key(shard, replica));
            return (await grain.EnsureLoaded().AsTask().WaitAsync(ReplicaCallTimeout)).DataPlaneEndpoint;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
        {
            LogReplicaUnavailable(logger, shard, replica, e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Placement {Version}: shard {Shard} (experts {First}..{Last}) at {Endpoints}")]
    private static partial void LogShard(ILogger logger, long version, int shard, int first, int last, string endpoints);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data plane {Endpoint} reported failing (table version {Version}); rebuilding placement")]
    private static partial void LogFailureReported(ILogger logger, string endpoint, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {Shard} replica {Replica} shares {Endpoint} with another replica of its shard; placing it again")]
    private static partial void LogSpreading(ILogger logger, int shard, int replica, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Shard} replica {Replica} did not answer: {Reason}")]
    private static partial void LogReplicaUnavailable(ILogger logger, int shard, int replica, string reason);
}
