using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;
using Kimi.Cluster.Model.RoutedExperts;

namespace Kimi.Cluster.ExpertWorker.Tests;

/// <summary>
/// The experts an expert worker holds for the shard replicas placed on it (built-in tiny model):
/// replicas grow and shrink one expert at a time, an expert held by several replicas is loaded and
/// counted once and freed only with its last holder, what each shard holds is reported, and the
/// computation over the held experts is exactly <see cref="ExpertGroup"/>'s, also while another
/// replica's experts come and go.
/// </summary>
public sealed class ExpertShardSetTests : IDisposable
{
    private static readonly ModelSource Tiny = new(null);
    private static readonly int[] MoeLayers = [.. Enumerable.Range(0, Tiny.Config.NumHiddenLayers).Where(Tiny.Config.IsMoeLayer)];
    private static readonly Lazy<long> BytesOfOneExpert = new(() =>
    {
        using var one = new ExpertShardSet(Tiny);
        one.Load(0, 0, [0]);
        return Total(one.ResidentBytes);
    });

    private readonly ExpertShardSet _set = new(Tiny);

    public static TheoryData<int> OutOfRangeExperts => [-1, Tiny.Config.NRoutedExperts, int.MaxValue];

    public static TheoryData<int, int> SecondHolders => new() { { 0, 1 }, { 3, 0 } };

    public void Dispose() => _set.Dispose();

    [Fact]
    public void Config_IsTheTinyModelTheseTestsAssume_WhenTheSourceHasNoDirectory()
    {
        Assert.Equal(16, Tiny.Config.NRoutedExperts);
        Assert.Equal([1, 2], MoeLayers);
        Assert.True(BytesOfOneExpert.Value > 0);
    }

    [Fact]
    public async Task Depart_KeepsAMovedReplicasExpertsComputableAWhile_ThenFreesThoseNothingElseHolds()
    {
        _set.Load(0, 0, [1, 2]);
        _set.Load(1, 0, [2, 3]);

        _set.Depart(0, 0, TimeSpan.FromMilliseconds(300));

        // No longer placed here, but batches routed by the older table are still answered.
        Assert.DoesNotContain(_set.Holdings, h => h.Shard == 0);
        Assert.Empty(_set.ExpertsOf(0, 0));
        Assert.Equal([1, 2, 3], _set.LoadedExpertIds.Order());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (_set.LoadedExpertIds.Count > 2 && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal([2, 3], _set.LoadedExpertIds.Order());
        Assert.Equal(2 * BytesOfOneExpert.Value, Total(_set.ResidentBytes));
    }

    [Fact]
    public async Task Depart_LeavesTheWeightsToAReplicaPlacedHereAgainMeanwhile()
    {
        _set.Load(0, 0, [4, 5]);
        _set.Depart(0, 0, TimeSpan.FromMilliseconds(100));
        Assert.Equal([4, 5], _set.Load(0, 0, [4, 5]));

        await Task.Delay(500);

        Assert.Equal([4, 5], _set.ExpertsOf(0, 0));
        Assert.Equal([4, 5], _set.LoadedExpertIds.Order());
        Assert.Equal(2 * BytesOfOneExpert.Value, Total(_set.ResidentBytes));
    }

    [Fact]
    public void Load_ReturnsTheUnionTheReplicaHolds_WhenItGrows()
    {
        Assert.Equal([2, 5], _set.Load(0, 0, [5, 2]));

        var held = _set.Load(0, 0, [7, 2, 7]);

        Assert.Equal([2, 5, 7], held);
        Assert.Equal([2, 5, 7], _set.LoadedExpertIds.Order());
        Assert.Equal(3 * BytesOfOneExpert.Value, Total(_set.ResidentBytes));
    }

    [Theory]
    [MemberData(nameof(SecondHolders))]
    public void Load_SharesTheWeightsAndCountsThemOnce_WhenAnotherReplicaAlreadyHoldsTheExpert(int shard, int replica)
    {
        _set.Load(0, 0, [1, 2]);

        var held = _set.Load(shard, replica, [2, 3]);

        Assert.Equal([2, 3], held);
        Assert.Equal([1, 2, 3], _set.LoadedExpertIds.Order());
        Assert.Equal(3 * BytesOfOneExpert.Value, Total(_set.ResidentBytes));
        Assert.Equal(["F32"], _set.ResidentBytes.Keys); // generated weights are float32
    }

    [Fact]
    public void Retain_FreesOnlyTheExpertsNoOtherReplicaHolds_WhenAReplicaShrinks()
    {
        _set.Load(0, 0, [1, 2, 3]);
        _set.Load(1, 0, [3, 4]);
        _set.Load(0, 1, [2]);

        _set.Retain(0, 0, [1]);

        // 3 is still held by shard 1, 2 by the other replica of shard 0.
        Assert.Equal([1, 2, 3, 4], _set.LoadedExpertIds.Order());
        Assert.Equal(4 * BytesOfOneExpert.Value, Total(_set.ResidentBytes));

        _set.Retain(0, 1, []);

        Assert.Equal([1, 3, 4], _set.LoadedExpertIds.Order());
        Assert.Equal(3 * BytesOfOneExpert.Value, Total(_set.ResidentBytes));
        Assert.Equal([[1], [3, 4]], _set.Holdings.Select(h => h.ExpertIds));
    }

    [Fact]
    public void Unload_FreesTheExpertsOnlyThatReplicaHeld_AndTheLastUnloadFreesEverything()
    {
        _set.Load(0, 0, [1, 2]);
        _set.Load(1, 0, [2]);

        _set.Unload(0, 0);

        Assert.Equal([2], _set.LoadedExpertIds);
        Assert.Equal(BytesOfOneExpert.Value, Total(_set.ResidentBytes));
        Assert.Equal([1], _set.Holdings.Select(h => h.Shard));

        _set.Unload(1, 0);

        Assert.Empty(_set.LoadedExpertIds);
        Assert.Equal(0, Total(_set.ResidentBytes));
        Assert.Empty(_set.Holdings);
    }

    [Fact]
    public void Holdings_ListsPerShardTheUnionOfItsReplicasExpertsAscendingWithOnlyTheirTensors_WhenReplicasDiffer()
    {
        // Replica 1 first, with the higher ids: the union in the order replicas came is 7, 9, 3.
        _set.Load(2, 1, [9, 7]);
        _set.Load(2, 0, [3, 9]);
        _set.Load(0, 0, [5]);

        var holdings = _set.Holdings;

        Assert.Equal([0, 2], holdings.Select(h => h.Shard));
        var shard2 = holdings[1];
        Assert.Equal([3, 7, 9], shard2.ExpertIds);
        Assert.Equal(0, shard2.Replica);
        Assert.Equal(3 * BytesOfOneExpert.Value, Total(shard2.ResidentBytes));
        Assert.Equal(ExpertTensors([3, 7, 9]).Order(StringComparer.Ordinal), shard2.TensorNames.Order(StringComparer.Ordinal));
        Assert.Equal([5], holdings[0].ExpertIds);
        Assert.Equal(ExpertTensors([5]).Order(StringComparer.Ordinal), holdings[0].TensorNames.Order(StringComparer.Ordinal));
        Assert.Equal(BytesOfOneExpert.Value, Total(holdings[0].ResidentBytes));
    }

    [Fact]
    public void Compute_ThrowsExpertNotLoaded_WhenTheExpertWasReleased()
    {
        _set.Load(0, 0, [1, 2]);
        var work = Work(MoeLayers[0], [[1, 2]]);
        _set.Compute(work);

        _set.Retain(0, 0, [1]);

        var error = Assert.Throws<ExpertNotLoadedException>(() => _set.Compute(work));
        Assert.Contains("expert 2 is not loaded", error.Message, StringComparison.Ordinal);
        _set.Compute(Work(MoeLayers[0], [[1]])); // the expert kept still computes
    }

    [Fact]
    public void Compute_EqualsExpertGroupComputeExactly_WhenTheExpertsAreHeldBySeveralReplicas()
    {
        int[] experts = [1, 4, 9];
        _set.Load(0, 0, [1, 4]);
        _set.Load(1, 0, [4, 9]);
        using var group = new ExpertGroup(Tiny.Config, Tiny.OpenWeights(WeightSelection.Experts(Tiny.Config, experts)), experts);

        foreach (int layer in MoeLayers)
        {
            var work = Work(layer, [[1, 9], [4], [9, 4, 1], []]);

            Assert.Equal(group.Compute(work), _set.Compute(work));
        }
    }

    [Theory]
    [MemberData(nameof(OutOfRangeExperts))]
    public void Load_ThrowsOutOfRangeAndHoldsNothingNew_WhenAnExpertIdIsOutOfRange(int expert)
    {
        _set.Load(0, 0, [1]);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _set.Load(0, 0, [2, expert]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _set.Load(1, 0, [expert]));

        Assert.Equal("expertIds", error.ParamName);
        Assert.Equal([1], _set.LoadedExpertIds);
        Assert.Equal([0], _set.Holdings.Select(h => h.Shard));
        Assert.Equal([1], _set.Holdings[0].ExpertIds);
        Assert.Equal(BytesOfOneExpert.Value, Total(_set.ResidentBytes));
    }

    [Fact]
    public void Compute_ThrowsArgumentException_WhenTheLayerIsNotAMoeLayer()
    {
        int dense = Enumerable.Range(0, Tiny.Config.NumHiddenLayers).First(layer => !Tiny.Config.IsMoeLayer(layer));
        _set.Load(0, 0, [1]);

        foreach (int layer in new[] { dense, Tiny.Config.NumHiddenLayers, -1 })
        {
            var error = Assert.Throws<ArgumentException>(() => _set.Compute(Work(layer, [[1]])));
            Assert.Contains($"layer {layer} is not a MoE layer", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Compute_KeepsItsResultForAHeldExpert_WhileAnotherReplicaGrowsAndShrinksRepeatedly()
    {
        const int ExpertA = 3, ExpertB = 11, ExpertC = 6, Rounds = 50;
        _set.Load(0, 1, [ExpertA]);
        _set.Load(0, 2, [ExpertC]); // replica 2 keeps C throughout, so it stays placed while B (and a second hold on A) comes and goes
        var work = Work(MoeLayers[0], [[ExpertA], [ExpertA], [ExpertA]]);
        float[] expected = _set.Compute(work);
        var computing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var moving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int computed = 0;

        var computer = Task.Run(() =>
        {
            try
            {
                while (!moving.Task.IsCompleted || computed < Rounds)
                {
                    Assert.Equal(expected, _set.Compute(work));
                    computed++;
                    computing.TrySetResult();
                }
            }
            finally
            {
                computing.TrySetResult(); // a failed computation must not leave the mover waiting
            }
        });
        var mover = Task.Run(async () =>
        {
            try
            {
                await computing.Task;
                for (int round = 0; round < Rounds; round++)
                {
                    // Replica 2 also takes A on and drops it: A's weights are shared, never freed under the computation.
                    Assert.Equal([ExpertA, ExpertC, ExpertB], _set.Load(0, 2, [ExpertB, ExpertA]));
                    Assert.Contains(ExpertB, _set.LoadedExpertIds);
                    _set.Retain(0, 2, [ExpertC]);
                    Assert.DoesNotContain(ExpertB, _set.LoadedExpertIds);
                }
            }
            finally
            {
                moving.TrySetResult();
            }
        });
        await Task.WhenAll(computer, mover).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(computed >= Rounds);
        Assert.Equal([ExpertA, ExpertC], _set.LoadedExpertIds.Order());
        Assert.Equal(expected, _set.Compute(work));
    }

    /// <summary>experts[t] are token t's experts; hidden values and gate weights are fixed pseudo-random numbers.</summary>
    private static ExpertWork Work(int layer, int[][] experts)
    {
        int hidden = Tiny.Config.HiddenSize;
        var random = new Random(17);
        float[] x = [.. Enumerable.Range(0, experts.Length * hidden).Select(_ => (float)random.NextDouble() * 2 - 1)];
        float[] weights = [.. experts.SelectMany(row => row).Select(_ => (float)random.NextDouble())];
        return new ExpertWork(layer, hidden, x, [.. experts.Select(row => row.Length)], [.. experts.SelectMany(row => row)], weights);
    }

    private static IEnumerable<string> ExpertTensors(int[] experts) =>
        from layer in MoeLayers
        from expert in experts
        from matrix in new[] { "gate_proj", "up_proj", "down_proj" }
        select $"model.layers.{layer}.mlp.experts.{expert}.{matrix}.weight";

    private static long Total(IReadOnlyDictionary<string, long> bytes) => bytes.Values.Sum();
}
