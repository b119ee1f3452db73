using System.Collections.Immutable;
using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.ExpertWorker.Placement;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.RoutedExperts;
using Orleans.Runtime.Placement;

namespace Kimi.Cluster.ExpertWorker.Grains;

/// <summary>
/// One replica of an expert shard. It holds the experts placement gives its shard, loaded into
/// the silo's <see cref="ExpertShardSet"/> through the <see cref="ShardLoader"/> (only those
/// experts' tensors), where the data plane computes with them. A rebalance grows it first and
/// shrinks it once nothing routes the old experts here; deactivation frees what it held, except
/// when the silo shuts down. Kept active: an expert shard is not idle state.
/// </summary>
[ExpertShardPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class ExpertShardGrain(
    ExpertShardSet shards, ShardLoader loader, DataPlaneEndpoint endpoint, ILocalSiloDetails silo, ILogger<ExpertShardGrain> logger)
    : Grain, IExpertShardGrain
{
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
        // At shutdown the silo leaves the cluster while the data plane still computes in-flight
        // batches with these weights; the process's exit frees them.
        if (reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
            shards.Unload(_shard, _replica);
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Expert shard {Shard} replica {Replica} holds {Experts} experts, newly loaded {Added}: shard {Tensors} tensors, {CheckpointBytes} checkpoint bytes; weights held, by form: {Resident}")]
    private static partial void LogLoaded(ILogger logger, int shard, int replica, int experts, string added, int tensors, long checkpointBytes, string resident);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expert shard {Shard} replica {Replica} released experts {Dropped}; this worker now holds, by form: {Resident}")]
    private static partial void LogReleased(ILogger logger, int shard, int replica, string dropped, string resident);
}
