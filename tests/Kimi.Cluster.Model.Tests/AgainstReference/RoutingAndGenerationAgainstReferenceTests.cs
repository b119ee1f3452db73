using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Tests.Support;
using static TorchSharp.torch;
using ReferenceGate = Kimi.Cluster.Tests.Shared.Reference.MoeGate;
using ReferenceMath = Kimi.Cluster.Tests.Shared.Reference.ReferenceMath;

namespace Kimi.Cluster.Model.Tests.AgainstReference;

/// <summary>Expert choice and whole greedy generations against the reference.</summary>
public sealed class RoutingAndGenerationAgainstReferenceTests(ReferenceCases cases) : IClassFixture<ReferenceCases>
{
    [Theory]
    [MemberData(nameof(ReferenceCases.Names), MemberType = typeof(ReferenceCases))]
    public void MoeGate_ChoosesTheReferenceExperts_WithTheReferenceWeights(string name)
    {
        var c = cases.Get(name);
        var config = c.Engine.Config;
        int layer = config.FirstKDenseReplace;
        var trace = c.Reference.Trace([5, 6, 7, 8, 9, 10, 11, 12]);
        var weights = c.Reference.Weights;
        // The gate sees the post-attention-normed residual; rebuild it from the reference's own pieces.
        var tokens = trace.LayerOutputs[layer - 1];
        using var noGrad = no_grad();
        var gate = c.Engine.Model.Layers[layer].Moe!.Gate; // layer first_k_dense_replace is a MoE layer
        for (int t = 0; t < tokens.Length; t++)
        {
            var normed = ReferenceMath.RmsNorm(tokens[t], weights.Layer(layer, "post_attention_layernorm.weight").Values, weights.Spec.RmsNormEps);
            var expected = ReferenceGate.Route(weights, layer, normed);
            using var x = Compare.ToTensor([normed]);
            var routing = gate.Forward(x);
            Assert.Equal(expected.ExpertIds.Select(e => (int)e), routing.ExpertsOf(0).ToArray());
            var ours = routing.WeightsOf(0).ToArray();
            for (int k = 0; k < ours.Length; k++)
                Assert.True(Math.Abs(expected.Weights[k] - ours[k]) <= 1e-5, $"token {t} choice {k}: {expected.Weights[k]} vs {ours[k]}");
        }
    }

    [Theory]
    [MemberData(nameof(ReferenceCases.Names), MemberType = typeof(ReferenceCases))]
    public void GreedyGeneration_GivesTheReferenceTokens_AndTop5LogprobsWithin1e3(string name)
    {
        var c = cases.Get(name);
        int[] prompt = [1, 33, 66, 99, 132];
        var expected = c.Reference.GenerateGreedy(prompt, maxNewTokens: 10, topLogprobs: 5);
        var result = c.Engine.Generate([new GenerationRequest(prompt, new SamplingParams { Temperature = 0, MaxTokens = 10, Logprobs = 5, IgnoreEos = true })])[0];
        Assert.Equal(expected.Tokens, result.Tokens.Select(t => t.TokenId));
        for (int step = 0; step < expected.Steps.Count; step++)
        {
            var reference = expected.Steps[step].TopLogprobs;
            var ours = result.Tokens[step].TopLogprobs;
            Assert.Equal(reference.Select(r => r.TokenId), ours.Select(o => o.TokenId));
            for (int k = 0; k < reference.Count; k++)
                Assert.True(Math.Abs(reference[k].Logprob - ours[k].Logprob) < 1e-3, $"step {step} rank {k}: {reference[k].Logprob} vs {ours[k].Logprob}");
        }
    }
}
