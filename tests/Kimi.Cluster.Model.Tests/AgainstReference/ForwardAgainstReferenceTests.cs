using Kimi.Cluster.Model.Caching;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.Tests.Support;
using static TorchSharp.torch;
using ReferenceMath = Kimi.Cluster.Tests.Shared.Reference.ReferenceMath;
using ReferenceMla = Kimi.Cluster.Tests.Shared.Reference.MlaAttention;

namespace Kimi.Cluster.Model.Tests.AgainstReference;

/// <summary>Every layer and the whole forward pass against plain double-precision loops (relative error &lt; 1e-5).</summary>
public sealed class ForwardAgainstReferenceTests(ReferenceCases cases) : IClassFixture<ReferenceCases>
{
    private const double Tolerance = 1e-5;
    private static readonly int[] Prompt = [1, 17, 42, 99, 5, 200, 3, 77, 128, 64, 31];

    [Theory]
    [MemberData(nameof(ReferenceCases.Names), MemberType = typeof(ReferenceCases))]
    public void Forward_LogitsAtEveryPosition_MatchReference(string name)
    {
        var c = cases.Get(name);
        using var noGrad = no_grad();
        using var cache = new OneSequenceCache(c.Engine.Config);
        using var logits = c.Engine.Model.Forward(Prompt, [new AttentionSegment(0, Prompt.Length, cache, 0)], allPositions: true);
        Compare.RelativeErrorBelow(c.Reference.Forward(Prompt), Compare.ToRows(logits), Tolerance, name);
    }

    [Theory]
    [MemberData(nameof(ReferenceCases.Names), MemberType = typeof(ReferenceCases))]
    public void EachDecoderLayer_MatchesReference_OnTheSameInput(string name)
    {
        var c = cases.Get(name);
        var trace = c.Reference.Trace(Prompt);
        var (cos, sin) = new YarnRotaryEmbedding(c.Engine.Config).Angles(Enumerable.Range(0, Prompt.Length).ToArray());
        using var noGrad = no_grad();
        for (int layer = 0; layer < c.Engine.Config.NumHiddenLayers; layer++)
        {
            var input = layer == 0 ? trace.Embeddings : trace.LayerOutputs[layer - 1];
            using var cache = new OneSequenceCache(c.Engine.Config);
            using var x = Compare.ToTensor(input);
            using var output = c.Engine.Model.Layers[layer].Forward(x, cos, sin, [new AttentionSegment(0, Prompt.Length, cache, 0)]);
            Compare.RelativeErrorBelow(trace.LayerOutputs[layer], Compare.ToRows(output), Tolerance, $"{name} layer {layer}");
        }
    }

    [Theory]
    [MemberData(nameof(ReferenceCases.Names), MemberType = typeof(ReferenceCases))]
    public void MlaAttention_NaiveAndAbsorbed_MatchReference(string name)
    {
        var c = cases.Get(name);
        var weights = c.Reference.Weights;
        var embedded = c.Reference.Embed(Prompt);
        var normed = embedded.Select(t => ReferenceMath.RmsNorm(t, weights.Layer(0, "input_layernorm.weight").Values, weights.Spec.RmsNormEps)).ToArray();
        var expected = ReferenceMla.Forward(weights, 0, normed);
        var layer = c.Engine.Model.Layers[0];
        var attention = layer.SelfAttn;
        var (cos, sin) = new YarnRotaryEmbedding(c.Engine.Config).Angles(Enumerable.Range(0, Prompt.Length).ToArray());
        using var noGrad = no_grad();
        foreach (var form in new[] { MlaForm.Absorbed, MlaForm.Naive })
        {
            attention.Form = form;
            using var cache = new OneSequenceCache(c.Engine.Config);
            // The layer's own input norm, applied inside; the reference normalised the rows itself.
            using var x = Compare.ToTensor(embedded);
            using var output = attention.Forward(x, layer.InputLayernorm, cos, sin, [new AttentionSegment(0, Prompt.Length, cache, 0)]);
            Compare.RelativeErrorBelow(expected, Compare.ToRows(output), Tolerance, $"{name} {form}");
        }
        attention.Form = MlaForm.Absorbed;
    }
}
