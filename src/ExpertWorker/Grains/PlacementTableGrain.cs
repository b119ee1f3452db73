using System.Collections.Immutable;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.ExpertWorker.Placement;
using Kimi.Cluster.Model.Checkpoints;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Kimi.Cluster.ExpertWorker.Grains;

/// <summary>
/// The placement table: built by activating every shard replica (placement puts them on the
/// silos) and asking each where its data plane is; replicas placed elsewhere while a worker was
/// down move back once it returns. Versions are clock ticks at the start of a build, so that a
/// table rebuilt after this grain moved is still newer than any before it, and so that every
/// endpoint a table lists answered after its version's time (attention workers rely on that to
/// tell a restarted worker from the one that failed).
/// </summary>
public sealed partial class PlacementTableGrain(
    ModelSource source, IOptions<ExpertPlacementOptions> options, IClusterManifestProvider manifests, ISiloMetadataCache metadata,
    ILogger<PlacementTableGrain> logger)
    : Grain, IPlacementTableGrain
{
    private static readonly TimeSpan ReplicaCallTimeout = TimeSpan.FromSeconds(20);
    private PlacementTable? _table;
    private SiloAddress[] _builtOn = [];
    private bool _movesPending;
    private Dictionary<(int Shard, int Replica), SiloAddress> _lastSeen = [];
    private Dictionary<string, SiloAddress> _siloOfEndpoint = new(StringComparer.Ordinal); // in _table
    private readonly HashSet<SiloAddress> _leaving = []; // expert workers handing off their replicas before they exit
    private long _bytesPerExpert; // as the replicas report what they hold; 0 until one has loaded
    private Dictionary<SiloAddress, int> _loggedBudgets = [];
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
        {
            var servedBy = _siloOfEndpoint;
            _table = Newer(await Build(silos, failed: null), servedBy);
        }
        return _table;
    }

    public async ValueTask<PlacementTable> ReportFailure(long seenVersion, string failedEndpoint)
    {
        if (_table is not null && _table.Version > seenVersion)
            return _table;
        LogFailureReported(logger, failedEndpoint, seenVersion);
        // The silo that served the endpoint in the table the reporter saw is the one that failed: a
        // worker restarted on the same port since (a new silo) keeps its replicas.
        _table = await Build(await ActiveSilos(), new FailedDataPlane(failedEndpoint, _siloOfEndpoint.GetValueOrDefault(failedEndpoint)));
        return _table;
    }

    public async ValueTask<PlacementTable> Adopt(ImmutableArray<ImmutableArray<int>> layout)
    {
        ExpertLayouts.Check(layout, options.Value.Shards, source.Config.NRoutedExperts);
        _layout = [.. layout.Select(experts => experts.Distinct().Order().ToImmutableArray())];
        _table = await Build(await ActiveSilos(), failed: null);
        LogAdopted(logger, _table.Version);
        return _table;
    }

    public async ValueTask<PlacementTable> Release(SiloAddress leaving)
    {
        ArgumentNullException.ThrowIfNull(leaving);
        _leaving.Add(leaving);
        var silos = await ActiveSilos();
        if (silos.Length == 0)
        {
            LogNowhereToHandOff(logger, leaving.ToString());
            return _table ?? await GetTable();
        }
        LogReleasing(logger, leaving.ToString());
        _table = await Build(silos, failed: null);
        return _table;
    }

    /// <summary>
    /// The built table, or the current one when nothing moved (its version, and the workers' view,
    /// stay). A worker restarted on the same endpoint counts as a move: the newer version tells
    /// attention workers that the endpoint they saw fail answers again.
    /// </summary>
    private PlacementTable Newer(PlacementTable built, Dictionary<string, SiloAddress> servedBefore) =>
        _table is not null && built.Shards.Length == _table.Shards.Length
            && built.Shards.Zip(_table.Shards).All(p => p.First.Endpoints.SequenceEqual(p.Second.Endpoints)
                && p.First.ExpertIds.SequenceEqual(p.Second.ExpertIds))
            && _siloOfEndpoint.Count == servedBefore.Count
            && _siloOfEndpoint.All(p => servedBefore.TryGetValue(p.Key, out var silo) && silo.Equals(p.Value))
            ? _table : built;

    /// <summary>
    /// Asks every replica where it lives (activating, and so loading, those that are not: where
    /// <see cref="ReplicaPlanner"/> puts them), moves the replicas it picks, and lists each
    /// shard's data planes. Replicas that do not answer (or answer from the failed data plane) are
    /// left out.
    /// </summary>
    private async Task<PlacementTable> Build(SiloAddress[] silos, FailedDataPlane? failed)
    {
        long version = Math.Max(DateTime.UtcNow.Ticks, (_table?.Version ?? 0) + 1);
        int shardCount = options.Value.Shards, replicas = options.Value.Replicas;
        var layout = Layout;
        var keys = Enumerable.Range(0, shardCount * replicas).Select(i => (Shard: i / replicas, Replica: i % replicas)).ToArray();
        var budget = Budgets(silos, layout);
        // Where a replica that is not active gets placed: planned from where each was last seen.
        var hints = ReplicaPlanner.Plan([.. keys.Select(k => new LocatedReplica<SiloAddress>(
            k.Shard, k.Replica, _lastSeen.GetValueOrDefault(k) is { } silo && silos.Contains(silo) ? silo : null))], silos, budget);
        var located = await Task.WhenAll(keys.Select(k => Locate(k, layout[k.Shard], hints.Targets.GetValueOrDefault(k))));

        _bytesPerExpert = Math.Max(_bytesPerExpert, located.OfType<ShardActivation>()
            .Where(a => a.ExpertIds.Length > 0).Select(a => a.ResidentBytes / a.ExpertIds.Length).DefaultIfEmpty(0).Max());
        budget = Budgets(silos, layout);
        var plan = ReplicaPlanner.Plan([.. keys.Select((k, i) => new LocatedReplica<SiloAddress>(k.Shard, k.Replica, located[i]?.Silo))], silos, budget);
        // Replicas on a worker that is leaving move too, whatever the planner's pacing: the leaving
        // worker keeps serving its copies until it exits, so no shard is left without weights.
        var handedOff = keys.Where((k, i) => located[i] is { } at && !silos.Contains(at.Silo)).ToArray();
        await Task.WhenAll(plan.Moves.Concat(handedOff).Select(async move =>
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

        var serving = located.Select(a => a is not null && failed?.Served(a) != true ? a : null).ToArray();
        var shards = Enumerable.Range(0, shardCount).Select(shard =>
        {
            var endpoints = serving.Skip(shard * replicas).Take(replicas)
                .Select(a => a?.DataPlaneEndpoint).OfType<string>().Distinct().ToImmutableArray();
            return new ShardReplicas(shard, layout[shard], endpoints);
        });
        _siloOfEndpoint = serving.OfType<ShardActivation>()
            .DistinctBy(a => a.DataPlaneEndpoint).ToDictionary(a => a.DataPlaneEndpoint, a => a.Silo, StringComparer.Ordinal);
        var table = new PlacementTable(version, source.Config.NRoutedExperts, [.. shards]);
        foreach (var shard in table.Shards)
            LogShard(logger, table.Version, shard.Shard, ExpertRanges.Describe(shard.ExpertIds), string.Join(", ", shard.Endpoints));
        return table;
    }

    /// <summary>
    /// The most shard replicas each silo can hold, from what it published (<see cref="ExpertSiloMetadata"/>:
    /// its --shard-budget, and its memory over a replica's bytes as replicas report them). Logged when it changes.
    /// </summary>
    private Func<SiloAddress, int> Budgets(SiloAddress[] silos, ImmutableArray<ImmutableArray<int>> layout)
    {
        long replicaBytes = _bytesPerExpert * layout.Max(experts => experts.Length);
        var budgets = silos.ToDictionary(silo => silo, silo => ExpertSiloMetadata.Budget(metadata.GetSiloMetadata(silo).Metadata, replicaBytes));
        foreach (var (silo, budget) in budgets.Where(p => p.Value != int.MaxValue && _loggedBudgets.GetValueOrDefault(p.Key) != p.Value))
            LogBudget(logger, silo.ToString(), ExpertSiloMetadata.Device(metadata.GetSiloMetadata(silo).Metadata), budget, replicaBytes);
        _loggedBudgets = budgets;
        return silo => budgets.GetValueOrDefault(silo, int.MaxValue);
    }

    /// <summary>
    /// The active silos that can host a shard replica, less those leaving and those of a device
    /// placement does not use (--placement-devices): their grain manifest has reached this silo
    /// (a silo that just joined is active a moment before it is placeable) and lists the shard
    /// grain (the launcher's membership silo hosts none).
    /// </summary>
    private async Task<SiloAddress[]> ActiveSilos()
    {
        var active = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        _leaving.IntersectWith(active.Keys); // those that left are gone from the cluster: forget them
        var shardGrain = GrainFactory.GetGrain<IExpertShardGrain>(IExpertShardGrain.Key(0, 0)).GetGrainId().Type;
        var manifest = manifests.Current.Silos;
        var devices = options.Value.Devices;
        return ExpertShardPlacementDirector.InOrder(active.Keys.Where(silo => !_leaving.Contains(silo)
            && manifest.TryGetValue(silo, out var grains) && grains.Grains.ContainsKey(shardGrain)
            && (devices is null || devices.Contains(ExpertSiloMetadata.Device(metadata.GetSiloMetadata(silo).Metadata)))));
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

    /// <summary>A data plane reported failing, and the silo that served it then (null when this activation did not build that table).</summary>
    private sealed record FailedDataPlane(string Endpoint, SiloAddress? Silo)
    {
        public bool Served(ShardActivation replica) =>
            replica.DataPlaneEndpoint == Endpoint && (Silo is null || Silo.Equals(replica.Silo));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Placement {Version}: shard {Shard} (experts {Experts}) at {Endpoints}")]
    private static partial void LogShard(ILogger logger, long version, int shard, string experts, string endpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expert worker {Silo} ({Device}) holds at most {Budget} shard replicas ({ReplicaBytes} bytes each, as replicas report)")]
    private static partial void LogBudget(ILogger logger, string silo, string device, int budget, long replicaBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expert worker {Silo} is leaving: handing its shard replicas to the other workers")]
    private static partial void LogReleasing(ILogger logger, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Expert worker {Silo} is leaving, and no other worker is there to take its shard replicas")]
    private static partial void LogNowhereToHandOff(ILogger logger, string silo);

    [LoggerMessage(Level = LogLevel.Information, Message = "Placement {Version} carries a new expert layout")]
    private static partial void LogAdopted(ILogger logger, long version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Data plane {Endpoint} reported failing (table version {Version}); rebuilding placement")]
    private static partial void LogFailureReported(ILogger logger, string endpoint, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shard {Shard} replica {Replica} moves from {Endpoint} to silo {Silo} to even out the workers' shards")]
    private static partial void LogMoving(ILogger logger, int shard, int replica, string endpoint, string silo);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shard {Shard} replica {Replica} did not answer: {Reason}")]
    private static partial void LogReplicaUnavailable(ILogger logger, int shard, int replica, string reason);
}
