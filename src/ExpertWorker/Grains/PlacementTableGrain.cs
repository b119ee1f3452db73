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
            _table = await Build(failedEndpoint: null);
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

    /// <summary>Asks every replica where it lives; replicas that do not answer (or answer from the failed endpoint) are left out.</summary>
    private async Task<PlacementTable> Build(string? failedEndpoint)
    {
        int shardCount = options.Value.Shards, replicas = options.Value.Replicas, experts = source.Config.NRoutedExperts;
        var shards = await Task.WhenAll(Enumerable.Range(0, shardCount).Select(async shard =>
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, replicas).Select(r => Locate(shard, r)));
            var endpoints = answers.OfType<string>().Where(e => e != failedEndpoint).Distinct().ToImmutableArray();
            var (first, count) = ExpertShardRanges.Of(shard, shardCount, experts);
            return new ShardReplicas(shard, first, count, endpoints);
        }));
        var table = new PlacementTable(DateTime.UtcNow.Ticks, experts, [.. shards]);
        foreach (var shard in table.Shards)
            LogShard(logger, table.Version, shard.Shard, shard.FirstExpert, shard.FirstExpert + shard.ExpertCount - 1, string.Join(", ", shard.Endpoints));
        return table;
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Shard} replica {Replica} did not answer: {Reason}")]
    private static partial void LogReplicaUnavailable(ILogger logger, int shard, int replica, string reason);
}
