using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Exchange;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Tests.Shared.Reference;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Exchange;

/// <summary>
/// In process, the shared expert joins the routed experts' grouped kernel call. The layer's output
/// must be exactly what running the shared expert apart and adding it to the routed sums gives
/// (what the attention worker does beside remote experts), so both paths keep the same tokens.
/// </summary>
public sealed class SharedExpertFusionTests
{
    public static TheoryData<string, int> Cases => new()
    {
        // bf16 everywhere; INT4 routed experts beside a bf16 shared expert (K2-Thinking's layout):
        // one token (the fused matvec), three (fused multi-token) and seventeen (the tile).
        { "bf16", 1 }, { "bf16", 3 }, { "bf16", 17 }, { "int4", 1 }, { "int4", 3 }, { "int4", 17 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MoeForward_EqualsRoutedPlusSharedApart_BitForBit(string format, int tokens)
    {
        using var directory = new TempDirectory();
        TinyCheckpointWriter.Write(directory.Path, TinyModelSpec.KimiK2Style, Options(format));
        using var loaded = LoadedModel.Load(directory.Path);
        var model = loaded.Model;
        int layer = Enumerable.Range(0, model.Config.NumHiddenLayers).First(model.Config.IsMoeLayer);
        var moe = model.Layers[layer].Moe!;
        using var noGrad = no_grad();
        using var x = RandomHidden(tokens, model.Config.HiddenSize, seed: tokens);

        using var fused = moe.Forward(x);
        using var scope = NewDisposeScope();
        var apart = SharedExpertAlongside.Dispatch(model.Experts, layer, x, moe.Gate.Forward(x), moe.SharedExperts!, default).Combine();

        float[] expected = apart.data<float>().ToArray(), actual = fused.data<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"value {i}: {expected[i]:R} apart, {actual[i]:R} fused");
    }

    [Fact]
    public void DispatchWithShared_RunsAWiderSharedExpertApart_AndTheLayerStillMatchesTheReference()
    {
        // Two shared experts make one of twice the routed width: it cannot join their kernel call.
        var spec = TinyModelSpec.KimiK2Style with { NSharedExperts = 2 };
        using var directory = new TempDirectory();
        var weights = TinyCheckpointWriter.Write(directory.Path, spec, new TinyCheckpointOptions());
        using var loaded = LoadedModel.Load(directory.Path);
        var model = loaded.Model;
        int layer = Enumerable.Range(0, model.Config.NumHiddenLayers).First(model.Config.IsMoeLayer);
        var moe = model.Layers[layer].Moe!;
        using var noGrad = no_grad();
        using var x = RandomHidden(5, model.Config.HiddenSize, seed: 7);

        using var scope = NewDisposeScope();
        var pending = model.Experts.DispatchWithShared(layer, x, moe.Gate.Forward(x), moe.SharedExperts!);
        Assert.IsType<SharedExpertAlongside>(pending);

        var rows = AgainstReference.Compare.ToRows(x);
        var expected = rows.Select(row => FeedForward.Moe(weights, layer, row)).ToArray();
        AgainstReference.Compare.RelativeErrorBelow(expected, AgainstReference.Compare.ToRows(pending.Combine()), 1e-5, "wider shared expert");
    }

    private static TinyCheckpointOptions Options(string format) => new()
    {
        Quantization = format == "int4" ? CheckpointQuantization.Int4Group(32) : null,
    };

    private static Tensor RandomHidden(int tokens, int hidden, int seed)
    {
        var random = new Random(seed);
        var values = new float[tokens * hidden];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(random.NextDouble() * 2 - 1);
        return tensor(values, [tokens, hidden]);
    }
}
