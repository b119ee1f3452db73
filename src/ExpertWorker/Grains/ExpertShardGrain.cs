using System.Collections.Immutable;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.ExpertWorker.Placement;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.RoutedExperts;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Kimi.Cluster.ExpertWorker.Grains;

/// <summary>
/// One replica of an expert shard. It holds the experts placement gives its shard, loaded into
/// the silo's <see cref="ExpertShardSet"/> through the <see cref="ShardLoader"/> (only those
/// experts' tensors), where the data plane computes with them. A rebalance grows it first and
/// shrinks it once nothing routes the old experts here. Deactivation frees what it held only
/// after <see cref="MovedCopyKeptFor"/>, since batches routed by the older table still arrive
/// meanwhile (it moved to another worker, or Orleans' directory lost it when another silo left
/// and it is activated again, here or elsewhere), and when this worker is leaving, not at all
/// (its data plane serves the old routes until it exits). Kept active: an expert shard is not
/// idle state.
/// </summary>
[ExpertShardPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
// Where its weights are loaded: Orleans' own activation rebalancer and repartitioner must not move
// it (they would drop the weights and load them elsewhere); only placement's moves do.
[Immovable(ImmovableKind.Repartitioner | ImmovableKind.Rebalancer)]
public sealed partial class ExpertShardGrain(
    ExpertShardSet shards, ShardLoader loader, DataPlaneEndpoint endpoint, ServingState serving, ILocalSiloDetails silo,
    ILogger<ExpertShardGrain> logger)
    : Grain, IExpertShardGrain
{
    /// <summary>
    /// How long a deactivated replica keeps its experts here: attention workers read the table
    /// every 5 s and take it up at their next step, and a batch that arrives later is re-routed.
    /// </summary>
    public static readonly TimeSpan MovedCopyKeptFor = TimeSpan.FromSeconds(30);

    private int _shard, _replica;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_shard, _replica) = ShardKey.Parse(this.GetPrimaryKeyString());
        return base.OnActivateAsync(cancellationToken);
    }

    public async ValueTask<ShardActivation> EnsureLoaded(ImmutableArray<int> expertIds)
    {
        var before = shards.ExpertsOf(_shard, _replica);
        // A shard that cannot load throws ExpertShardLoadException, which reaches the caller with the reason.
        var held = await loader.LoadAsync(_shard, _replica, expertIds.IsDefault ? [] : expertIds, CancellationToken.None);
        var holding = shards.HoldingOf(_shard);
        int[] added = [.. held.Except(before)];
        if (added.Length > 0 && holding is not null)
        {
            LogLoaded(logger, _shard, _replica, held.Count, ExpertRanges.Describe(added), holding.TensorNames.Count,
                holding.LoadedBytes, ResidentWeights.Describe(holding.ResidentBytes));
        }
        return await Activation(held, holding);
    }

    public async ValueTask<ShardActivation> Retain(ImmutableArray<int> expertIds)
    {
        var before = shards.ExpertsOf(_shard, _replica);
        var held = shards.Retain(_shard, _replica, expertIds.IsDefault ? [] : expertIds.ToHashSet());
        int[] dropped = [.. before.Except(held)];
        if (dropped.Length > 0)
            LogReleased(logger, _shard, _replica, ExpertRanges.Describe(dropped), ResidentWeights.Describe(shards.ResidentBytes));
        return await Activation(held, shards.HoldingOf(_shard));
    }

    private async Task<ShardActivation> Activation(IReadOnlyList<int> held, ShardHolding? holding) =>
        new(_shard, _replica, await endpoint.Address, silo.SiloAddress, [.. held.Order()], holding?.ResidentBytes.Values.Sum() ?? 0);

    public ValueTask MoveTo(SiloAddress silo)
    {
        // Migration hands this request context to the placement director, which takes the hint.
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        this.MigrateOnIdle();
        return ValueTask.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A leaving worker hands this replica to another (a migration) and then leaves the cluster
        // while its data plane still computes batches routed by older tables with these weights;
        // the process's exit frees them. Otherwise load before unload: the next activation (a
        // move's, elsewhere, or this one's again, which shares the weights) loads while this copy
        // still serves.
        if (reason.ReasonCode != DeactivationReasonCode.ShuttingDown && !serving.IsDraining)
            shards.Depart(_shard, _replica, MovedCopyKeptFor);
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Expert shard {Shard} replica {Replica} holds {Experts} experts, newly loaded {Added}: shard {Tensors} tensors, {CheckpointBytes} checkpoint bytes; weights held, by form: {Resident}")]
    private static partial void LogLoaded(ILogger logger, int shard, int replica, int experts, string added, int tensors, long checkpointBytes, string resident);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expert shard {Shard} replica {Replica} released experts {Dropped}; this worker now holds, by form: {Resident}")]
    private static partial void LogReleased(ILogger logger, int shard, int replica, string dropped, string resident);
}
