using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Layers;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Layers;

public sealed class MoeGateTests
{
    private static readonly ModelConfig EightExperts = ModelConfig.Tiny with
    {
        HiddenSize = 4, NRoutedExperts = 8, NumExpertsPerTok = 2, NGroup = 1, TopkGroup = 1, RoutedScalingFactor = 2.827,
    };

    // Expert e's logit for x = (1, 0, 0, 0) is logits[e].
    private static MoeGate Gate(ModelConfig config, float[] logits, float[] bias) => new(config, "g", new DictionaryWeights(new()
    {
        ["g.weight"] = logits.SelectMany(l => new[] { l, 0f, 0f, 0f }).ToArray(),
        ["g.e_score_correction_bias"] = bias,
    }));

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    [Fact]
    public void Forward_SelectsByBiasedScore_WeightsByUnbiasedScore()
    {
        float[] logits = [2, 1, 0, -1, -2, 0.5f, 1.5f, -0.5f];
        // Unbiased, the top two are experts 0 and 6; the bias lifts expert 3 to the top and sinks expert 0.
        float[] bias = [-0.5f, 0, 0, 1, 0, 0, 0, 0];
        using var gate = Gate(EightExperts, logits, bias);
        using var x = tensor(new[] { 1f, 0f, 0f, 0f }, [1, 4]);
        var routing = gate.Forward(x);
        Assert.Equal([3, 6], routing.ExpertsOf(0).ToArray());
        double s3 = Sigmoid(-1), s6 = Sigmoid(1.5);
        var weights = routing.WeightsOf(0).ToArray();
        Assert.Equal(s3 / (s3 + s6) * 2.827, weights[0], 5);
        Assert.Equal(s6 / (s3 + s6) * 2.827, weights[1], 5);
    }

    [Fact]
    public void Forward_GroupLimited_PicksOnlyFromTheBestGroups()
    {
        // Four groups of two; group score = sum of its two biased scores. Groups 1 and 3 win
        // although expert 0 (group 0) has the single highest score.
        var config = EightExperts with { NGroup = 4, TopkGroup = 2, NumExpertsPerTok = 2 };
        float[] logits = [4, -4, 1, 1.1f, -3, -3, 0.8f, 0.9f];
        using var gate = Gate(config, logits, new float[8]);
        using var x = tensor(new[] { 1f, 0f, 0f, 0f }, [1, 4]);
        var routing = gate.Forward(x);
        var chosen = routing.ExpertsOf(0).ToArray().Order().ToArray();
        // Group sums: g0 = σ(4)+σ(−4) = 1.0, g1 = σ(1)+σ(1.1) = 1.48, g2 ≈ 0.09, g3 = σ(.8)+σ(.9) = 1.40.
        Assert.Equal([2, 3], chosen);
    }
}
