using Kimi.Cluster.Abstractions;
using Kimi.Cluster.ExpertWorker.Hosting;
using Kimi.Cluster.ExpertWorker.Placement;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.RoutedExperts;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Placement;

namespace Kimi.Cluster.ExpertWorker.Grains;

/// <summary>
/// One replica of an expert shard. Activation loads the shard's tensors (only this shard's)
/// into the silo's <see cref="ExpertShardSet"/> through the <see cref="ShardLoader"/>, where the
/// data plane computes with them; deactivation frees them, except when the silo shuts down.
/// Kept active: an expert shard is not idle state.
/// </summary>
[ExpertShardPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class ExpertShardGrain(
    ExpertShardSet shards, ShardLoader loader, DataPlaneEndpoint endpoint, ILocalSiloDetails silo, IOptions<ExpertPlacementOptions> options, ILogger<ExpertShardGrain> logger)
    : Grain, IExpertShardGrain
{
    private LoadedShard? _loaded;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (shard, replica) = ShardKey.Parse(this.GetPrimaryKeyString());
        var (first, count) = ExpertShardRanges.Of(shard, options.Value.Shards, shards.Config.NRoutedExperts);
        // A shard that cannot load throws ExpertShardLoadException, which reaches the caller with the reason.
        _loaded = await loader.LoadAsync(shard, replica, [.. Enumerable.Range(first, count)], cancellationToken);
        LogLoaded(logger, shard, replica, first, first + count - 1, _loaded.TensorNames.Count, _loaded.LoadedBytes,
            ResidentWeights.Describe(_loaded.ResidentBytes));
        await base.OnActivateAsync(cancellationToken);
    }

    public async ValueTask<ShardActivation> EnsureLoaded()
    {
        var loaded = _loaded ?? throw new InvalidOperationException("the shard grain was called before its activation finished");
        return new ShardActivation(loaded.Shard, loaded.Replica, await endpoint.Address, silo.SiloAddress);
    }

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
        if (_loaded is not null && reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
            shards.Unload(_loaded.Shard);
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Loaded expert shard {Shard} replica {Replica}: experts {First}..{Last}, {Tensors} tensors, {CheckpointBytes} checkpoint bytes; weights held, by form: {Resident}")]
    private static partial void LogLoaded(ILogger logger, int shard, int replica, int first, int last, int tensors, long checkpointBytes, string resident);
}
