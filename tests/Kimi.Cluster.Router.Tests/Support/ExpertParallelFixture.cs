using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// The clusters the expert-parallel tests compare, started together once: a tiny Hugging Face
/// checkpoint served with 0, 1, 2 and 3 expert workers, and the built-in tiny model with 0 and 3.
/// </summary>
public sealed class ExpertParallelFixture : IAsyncLifetime
{
    /// <summary>Kimi K2 in miniature: 24 experts, top-4, MoE layers 1 and 2, hidden size 64.</summary>
    public static TinyModelSpec Spec { get; } = TinyModelSpec.KimiK2Style;

    private readonly TempDirectory _checkpoint = new("kimi-ep-checkpoint");
    private readonly List<ClusterUnderTest> _started = [];

    /// <summary>The checkpoint served by 0, 1, 2 and 3 expert workers (index = workers).</summary>
    public IReadOnlyList<ClusterUnderTest> Checkpoint { get; private set; } = [];

    /// <summary>The built-in tiny model in process, and over 3 expert workers.</summary>
    public ClusterUnderTest BuiltInLocal { get; private set; } = null!;

    public ClusterUnderTest BuiltInDistributed { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // A peaky lm_head keeps greedy tokens away from near-ties, so they compare exactly.
        TinyCheckpointWriter.Write(_checkpoint.Path, Spec, new TinyCheckpointOptions { LmHeadGain = 3 });
        string model = _checkpoint.Path;
        var starts = new[]
        {
            Start("checkpoint, in process", "--model", model),
            Start("checkpoint, 1 expert worker", "--model", model, "--expert-workers", "1"),
            Start("checkpoint, 2 expert workers, 3 shards", "--model", model, "--expert-workers", "2", "--expert-shards", "3"),
            Start("checkpoint, 3 expert workers", "--model", model, "--expert-workers", "3"),
            Start("built-in, in process"),
            Start("built-in, 3 expert workers, 4 shards", "--expert-workers", "3", "--expert-shards", "4"),
        };
        var clusters = await Task.WhenAll(starts);
        Checkpoint = clusters[..4];
        BuiltInLocal = clusters[4];
        BuiltInDistributed = clusters[5];
    }

    private async Task<ClusterUnderTest> Start(string label, params string[] arguments)
    {
        var cluster = await ClusterUnderTest.StartAsync(label, arguments);
        lock (_started)
            _started.Add(cluster);
        return cluster;
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_started.Select(c => c.DisposeAsync().AsTask()));
        _checkpoint.Dispose();
    }
}
