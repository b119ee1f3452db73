using System.Collections.Immutable;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.ExpertWorker.Placement;
using Kimi.Cluster.Model.Checkpoints;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Placement;

namespace Kimi.Cluster.ExpertWorker.Grains;

/// <summary>
/// The placement table: built by activating every shard replica (placement puts them on the
/// silos) and asking each where its data plane is; replicas placed elsewhere while a worker was
/// down move back once it returns. Versions are clock ticks so that a table
/// rebuilt after this grain moved is still newer than any before it.
/// </summary>
public sealed partial class PlacementTableGrain(
    ModelSource source, IOptions<ExpertPlacementOptions> options, IClusterManifestProvider manifests, ILogger<PlacementTableGrain> logger)
    : Grain, IPlacementTableGrain
{
    private static readonly TimeSpan ReplicaCallTimeout = TimeSpan.FromSeconds(20);
    private PlacementTable? _table;
    private SiloAddress[] _builtOn = [];
    private bool _movesPending;
    private Dictionary<(int Shard, int Replica), SiloAddress> _lastSeen = [];
    private ImmutableArray<ImmutableArray<int>> _layout; // per shard, its experts; contiguous ranges until a rebalance

    private ImmutableArray<ImmutableArray<int>> Layout =>
        _layout.IsDefault ? _layout = ExpertBalancer.Contiguous(source.Config.NRoutedExperts, options.Value.Shards) : _layout;

    /// <summary>
    /// The table; built again when a replica is missing, when the silos changed since the last
    /// build (one died, or one came back and should get its share), or when moves are left to do.
    /// </summary>
    public async ValueTask<PlacementTable> GetTable()
    {
        var silos = await ActiveSilos();
        if (_table is null || _movesPending || !silos.SequenceEqual(_builtOn)
            || _table.Shards.Any(s => s.Endpoints.Length < options.Value.Replicas))
            _table = Newer(await Build(silos, failedEndpoint: null));
        return _table;
    }

    public async ValueTask<PlacementTable> ReportFailure(long seenVersion, string failedEndpoint)
    {
        if (_table is not null && _table.Version > seenVersion)
            return _table;
        LogFailureReported(logger, failedEndpoint, seenVersion);
        _table = await Build(await ActiveSilos(), failedEndpoint);
        return _table;
    }

    public async ValueTask<PlacementTable> Adopt(ImmutableArray<ImmutableArray<int>> layout)
    {
        ExpertLayouts.Check(layout, options.Value.Shards, source.Config.NRoutedExperts);
        _layout = [.. layout.Select(experts => experts.Distinct().Order().ToImmutableArray())];
        _table = await Build(await ActiveSilos(), failedEndpoint: null);
        LogAdopted(logger, _table.Version);
        return _table;
    }

    /// <summary>The built table, or the current one when nothing moved (its version, and the workers' view, stay).</summary>
    private PlacementTable Newer(PlacementTable built) =>
        _table is not null && built.Shards.Length == _table.Shards.Length
            && built.Shards.Zip(_table.Shards).All(p => p.First.Endpoints.SequenceEqual(p.Second.Endpoints)
                && p.First.ExpertIds.SequenceEqual(p.Second.ExpertIds))
            ? _table : built;

    /// <summary>
    /// Asks every replica where it lives (activating, and so loading, those that are not: where
    /// <see cref="ReplicaPlanner"/> puts them), moves the replicas it picks, and lists each
    /// shard's data planes. Replicas that do not answer (or answer from the failed endpoint) are
    /// left out.
    /// </summary>
    private async Task<PlacementTable> Build(SiloAddress[] silos, string? failedEndpoint)
    {
        int shardCount = options.Value.Shards, replicas = options.Value.Replicas;
        var layout = Layout;
        var keys = Enumerable.Range(0, shardCount * replicas).Select(i => (Shard: i / replicas, Replica: i % replicas)).ToArray();
        // Where a replica that is not active gets placed: planned from where each was last seen.
        var hints = ReplicaPlanner.Plan([.. keys.Select(k => new LocatedReplica<SiloAddress>(
            k.Shard, k.Replica, _lastSeen.GetValueOrDefault(k) is { } silo && silos.Contains(silo) ? silo : null))], silos);
        var located = await Task.WhenAll(keys.Select(k => Locate(k, layout[k.Shard], hints.Targets.GetValueOrDefault(k))));

        var plan = ReplicaPlanner.Plan([.. keys.Select((k, i) => new LocatedReplica<SiloAddress>(k.Shard, k.Replica, located[i]?.Silo))], silos);
        await Task.WhenAll(plan.Moves.Select(async move =>
        {
            int i = Array.IndexOf(keys, move);
            LogMoving(logger, move.Shard, move.Replica, located[i]!.DataPlaneEndpoint, plan.Targets[move].ToString());
            await GrainFactory.GetGrain<IExpertShardGrain>(IExpertShardGrain.Key(move.Shard, move.Replica)).MoveTo(plan.Targets[move]);
            located[i] = await Locate(move, layout[move.Shard], plan.Targets[move]);
        }));
        // A replica activated elsewhere than planned (its silo went away meanwhile, say) is planned again next time.
        bool placedAsPlanned = keys.Zip(located).All(p => p.Second is null || Equals(p.Second.Silo, plan.Targets[p.First]));
        (_builtOn, _movesPending) = (silos, !plan.Complete || !placedAsPlanned);
        _lastSeen = keys.Zip(located).Where(p => p.Second is not null).ToDictionary(p => p.First, p => p.Second!.Silo);

        var shards = Enumerable.Range(0, shardCount).Select(shard =>
        {
            var endpoints = located.Skip(shard * replicas).Take(replicas)
                .Select(a => a?.DataPlaneEndpoint).OfType<string>().Where(e => e != failedEndpoint).Distinct().ToImmutableArray();
            return new ShardReplicas(shard, layout[shard], endpoints);
        });
        var table = new PlacementTable(Math.Max(DateTime.UtcNow.Ticks, (_table?.Version ?? 0) + 1), source.Config.NRoutedExperts, [.. shards]);
        foreach (var shard in table.Shards)
            LogShard(logger, table.Version, shard.Shard, ExpertRanges.Describe(shard.ExpertIds), string.Join(", ", shard.Endpoints));
        return table;
    }

    /// <summary>
    /// The active silos that can host a shard replica: their grain manifest has reached this silo
    /// (a silo that just joined is active a moment before it is placeable) and lists the shard
    /// grain (the launcher's membership silo hosts none).
    /// </summary>
    private async Task<SiloAddress[]> ActiveSilos()
    {
        var active = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var shardGrain = GrainFactory.GetGrain<IExpertShardGrain>(IExpertShardGrain.Key(0, 0)).GetGrainId().Type;
        var manifest = manifests.Current.Silos;
        return ExpertShardPlacementDirector.InOrder(active.Keys.Where(silo =>
            manifest.TryGetValue(silo, out var grains) && grains.Grains.ContainsKey(shardGrain)));
    }

    /// <summary>
    /// Activates the replica if it is not (on <paramref name="placeOn"/> when that silo is still
    /// there), has it hold <paramref name="experts"/>, and says where it is.
    /// </summary>
    private async Task<ShardActivation?> Locate((int Shard, int Replica) key, ImmutableArray<int> experts, SiloAddress? placeOn)
    {
        var (shard, replica) = key;
        try
        {
            if (placeOn is not null)
                RequestContext.Set(IPlacementDirector.PlacementHintKey, placeOn);
            var grain = GrainFactory.GetGrain<IExpertShardGrain>(IExpertShardGrain.Key(shard, replica));
            return await grain.EnsureLoaded(experts).AsTask().WaitAsync(ReplicaCallTimeout);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
        {
            LogReplicaUnavailable(logger, shard, replica, e.Message);
            return null;
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Placement {Version}: shard {Shard} (experts {Experts}) at {Endpoints}")]
    private static partial void LogShard(ILogger logger, long version, int shard, string experts, string endpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "Placement {Version} carries a new expert layout")]
    private static partial void LogAdopted(ILogger logger, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data plane {Endpoint} reported failing (table version {Version}); rebuilding placement")]
    private static partial void LogFailureReported(ILogger logger, string endpoint, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {Shard} replica {Replica} moves from {Endpoint} to silo {Silo} to even out the workers' shards")]
    private static partial void LogMoving(ILogger logger, int shard, int replica, string endpoint, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Shard} replica {Replica} did not answer: {Reason}")]
    private static partial void LogReplicaUnavailable(ILogger logger, int shard, int replica, string reason);
}
