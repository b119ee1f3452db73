using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// A cluster the failover test may break: the tiny checkpoint over 3 expert workers, every shard
/// kept twice. Its own collection, so it starts and runs beside the other clusters.
/// </summary>
public sealed class ReplicatedClusterFixture : IAsyncLifetime
{
    private readonly TempDirectory _checkpoint = new("kimi-ep-replicated");

    public ClusterUnderTest Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        TinyCheckpointWriter.Write(_checkpoint.Path, ExpertParallelFixture.Spec, new TinyCheckpointOptions { LmHeadGain = 3 });
        Cluster = await ClusterUnderTest.StartAsync("checkpoint, 3 expert workers, 2 replicas",
            "--model", _checkpoint.Path, "--expert-workers", "3", "--expert-replicas", "2");
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
            await Cluster.DisposeAsync();
        _checkpoint.Dispose();
    }
}
