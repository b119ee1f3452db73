namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>Sanity checks of the double-precision reference itself, against hand computations.</summary>
public sealed class ReferenceSelfTests
{
    [Fact]
    public void Rope_PreservesPairNorms_WhenThereIsNoScaling()
    {
        var rng = new SplitMix64(7);
        var x = Enumerable.Range(0, 8).Select(_ => rng.NextNormal()).ToArray();
        var plain = YarnRope.InverseFrequencies(8, 10000, null);
        var factorOne = YarnRope.InverseFrequencies(8, 10000, new YarnScaling { Factor = 1 });
        Assert.Equal(plain, factorOne); // factor 1: interpolated == original frequencies
        Assert.Equal(1.0, YarnRope.CosSinScale(new YarnScaling { Factor = 1, Mscale = 0.7, MscaleAllDim = 0 }));
        Assert.Equal(x, YarnRope.ApplyInterleaved(x, 0, 0, plain)); // position 0 is the identity
        foreach (int position in new[] { 1, 5, 63, 511 })
        {
            var y = YarnRope.ApplyInterleaved(x, 0, position, plain);
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal(Math.Sqrt(x[2 * i] * x[2 * i] + x[2 * i + 1] * x[2 * i + 1]),
                             Math.Sqrt(y[2 * i] * y[2 * i] + y[2 * i + 1] * y[2 * i + 1]), 12);
            }
        }
    }

    [Fact]
    public void YarnInverseFrequencies_MatchHandComputation()
    {
        // d=8, base 10000, factor 4, original 64, beta_fast 32, beta_slow 1.
        // freq_extra = 10000^(-i/4) = 1, 0.1, 0.01, 0.001; freq_inter = freq_extra / 4.
        // corr(r) = 8·ln(64/(2πr)) / (2·ln 10000):
        //   corr(32) = 4·ln(1/π)/9.2103 = 4·(−1.1447)/9.2103 = −0.497 → low  = max(floor, 0) = 0
        //   corr(1)  = 4·ln(10.186)/9.2103 = 4·2.3210/9.2103 =  1.008 → high = min(ceil, 7)  = 2
        // ramp = clamp(i/2) = 0, 0.5, 1, 1; mask = 1 − ramp = 1, 0.5, 0, 0;
        // inv = inter·ramp + extra·mask = 1, 0.0125+0.05, 0.0025, 0.00025.
        var yarn = new YarnScaling { Factor = 4, OriginalMaxPositionEmbeddings = 64, BetaFast = 32, BetaSlow = 1 };
        Assert.Equal((0, 2), YarnRope.CorrectionRange(32, 1, 8, 10000, 64));
        var inv = YarnRope.InverseFrequencies(8, 10000, yarn);
        double[] expected = [1, 0.0625, 0.0025, 0.00025];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i], inv[i], 12);
        }
        // mscale == mscale_all_dim → cos/sin unscaled; softmax scale gains (0.1·ln4 + 1)².
        Assert.Equal(1.0, YarnRope.CosSinScale(yarn));
        double m = 0.1 * Math.Log(4) + 1;
        Assert.Equal(m * m / Math.Sqrt(24), YarnRope.SoftmaxScale(24, yarn), 12);
    }

    [Fact]
    public void GroupedGate_NeverPicksFromAMaskedGroup()
    {
        var spec = TinyModelSpec.DeepSeekV3Style;
        var rng = new SplitMix64(11);
        for (int trial = 0; trial < 500; trial++)
        {
            var logits = Enumerable.Range(0, 16).Select(_ => 2 * rng.NextNormal()).ToArray();
            var bias = Enumerable.Range(0, 16).Select(_ => 0.3 * rng.NextNormal()).ToArray();
            var d = MoeGate.RouteLogits(logits, bias, spec);
            Assert.Equal(4, d.KeptGroups.Count);
            Assert.All(d.ExpertIds, id => Assert.Contains(id / 2, d.KeptGroups));
            Assert.Equal(4, d.ExpertIds.Distinct().Count());
            Assert.Equal(spec.RoutedScalingFactor, d.Weights.Sum(), 12);

            // Kept groups are the best by (sum of both biased scores), groups having 2 experts.
            var choice = logits.Select((l, e) => ReferenceMath.Sigmoid(l) + bias[e]).ToArray();
            var groupScores = Enumerable.Range(0, 8).Select(g => choice[2 * g] + choice[2 * g + 1]).ToArray();
            double worstKept = d.KeptGroups.Min(g => groupScores[g]);
            Assert.All(Enumerable.Range(0, 8).Except(d.KeptGroups), g => Assert.True(groupScores[g] <= worstKept));
            // Weights come from the unbiased sigmoid scores.
            double ratio = ReferenceMath.Sigmoid(logits[d.ExpertIds[0]]) / ReferenceMath.Sigmoid(logits[d.ExpertIds[1]]);
            Assert.Equal(ratio, d.Weights[0] / d.Weights[1], 10);
        }
    }

    [Fact]
    public void CorrectionBias_ChangesTheChoiceOften()
    {
        // The bias must matter in the tiny models, or a loader that drops it would pass.
        var weights = TinyCheckpointWriter.Generate(TinyModelSpec.KimiK2Style);
        var model = new ReferenceModel(weights);
        var tokens = Enumerable.Range(0, 24).Select(i => (i * 37 + 5) % 256).ToArray();
        var hidden = model.Trace(tokens).LayerOutputs[0];
        var postNorm = weights.Layer(1, "post_attention_layernorm.weight").Values;
        int differ = 0;
        foreach (var h in hidden)
        {
            var x = ReferenceMath.RmsNorm(h, postNorm, weights.Spec.RmsNormEps);
            var logits = ReferenceMath.Linear(x, weights.Layer(1, "mlp.gate.weight"));
            var biased = MoeGate.RouteLogits(logits, weights.Layer(1, "mlp.gate.e_score_correction_bias").Values, weights.Spec);
            var unbiased = MoeGate.RouteLogits(logits, null, weights.Spec);
            differ += biased.ExpertIds.Order().SequenceEqual(unbiased.ExpertIds.Order()) ? 0 : 1;
        }
        Assert.True(differ >= hidden.Length / 4, $"bias changed the expert set for only {differ} of {hidden.Length} tokens");
    }

    [Fact]
    public void MlaAttention_IsOProjOfValues_WhenThereIsASingleToken()
    {
        // With one token the softmax is exactly 1, so MLA reduces to o_proj(concat_h v_h).
        var w = TinyCheckpointWriter.Generate(TinyModelSpec.DeepSeekV3Style);
        var x = ReferenceMath.RmsNorm(new ReferenceModel(w).Embed([3])[0], w.Layer(0, "input_layernorm.weight").Values, 1e-6);
        var latent = ReferenceMath.Linear(x, w.Layer(0, "self_attn.kv_a_proj_with_mqa.weight"))[..32];
        var kv = ReferenceMath.Linear(ReferenceMath.RmsNorm(latent, w.Layer(0, "self_attn.kv_a_layernorm.weight").Values, 1e-6),
            w.Layer(0, "self_attn.kv_b_proj.weight"));
        var v = Enumerable.Range(0, 4).SelectMany(h => kv.Skip(h * 32 + 16).Take(16)).ToArray();
        var expected = ReferenceMath.Linear(v, w.Layer(0, "self_attn.o_proj.weight"));
        var actual = MlaAttention.Forward(w, 0, [x])[0];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 12);
        }
    }

    [Theory]
    [InlineData("kimi")]
    [InlineData("deepseek")]
    [InlineData("no-q-lora")]
    public void Forward_GivesFiniteAndVariedLogits(string preset)
    {
        var spec = preset switch
        {
            "kimi" => TinyModelSpec.KimiK2Style,
            "deepseek" => TinyModelSpec.DeepSeekV3Style,
            _ => TinyModelSpec.KimiK2Style with { QLoraRank = null, RopeScaling = null },
        };
        var model = new ReferenceModel(TinyCheckpointWriter.Generate(spec));
        var logits = model.Forward([1, 17, 42, 99, 200, 7]);
        Assert.Equal(6, logits.Length);
        Assert.All(logits, row => Assert.All(row, v => Assert.True(double.IsFinite(v))));
        Assert.All(logits, row => Assert.True(row.Max() - row.Min() > 1.0, "logits nearly flat"));
        Assert.NotEqual(logits[4], logits[5]);

        var generation = model.GenerateGreedy([1, 17, 42], 4, topLogprobs: 3);
        Assert.Equal(4, generation.Tokens.Count);
        Assert.All(generation.Steps, s =>
        {
            Assert.Equal(s.TokenId, s.TopLogprobs[0].TokenId);
            Assert.True(s.TopLogprobs[0].Logprob >= s.TopLogprobs[1].Logprob);
            Assert.True(s.Logprob < 0);
        });
        // Greedy on the full sequence must agree with a plain forward of prompt + generated tokens.
        var full = model.Forward([1, 17, 42, .. generation.Tokens.Take(3)]);
        Assert.Equal(generation.Tokens[3], MoeGate.TopIndices(full[^1], 1)[0]);
    }
}
