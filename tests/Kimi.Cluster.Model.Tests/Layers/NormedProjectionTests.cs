using Kimi.Cluster.Model.Layers;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Layers;

/// <summary>
/// A projection that normalises its input rows on the way in (no tensor for the normalised rows)
/// gives the bits of the norm's tensor followed by the projection, whatever the input's layout.
/// </summary>
public sealed class NormedProjectionTests
{
    private const int In = 24, Out = 10, Tokens = 3;

    private static float[] Values(Random random, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 4 - 2))];

    [Fact]
    public void Forward_WithNorm_GivesTheBitsOfNormThenForward()
    {
        var random = new Random(5);
        var weights = new DictionaryWeights(new()
        {
            ["p.weight"] = Values(random, Out * In),
            ["q.weight"] = Values(random, 2 * Out * In),
            ["n.weight"] = Values(random, In),
        });
        using var first = Linear.Load(weights, "p", Out, In);
        using var second = Linear.Load(weights, "q", 2 * Out, In);
        using var norm = RmsNorm.Load(weights, "n", In, 1e-6);
        using var contiguous = tensor(Values(random, Tokens * In), [Tokens, In]);
        // The same values transposed twice: a non-contiguous view takes the copying path.
        using var stored = contiguous.t().contiguous();
        using var strided = stored.t();
        Assert.False(strided.is_contiguous());

        foreach (var x in new[] { contiguous, strided })
        {
            using var normed = norm.Forward(x);
            using var expected = first.Forward(normed);
            using var actual = first.Forward(norm, x);
            Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());

            var (expectedFirst, expectedSecond) = Linear.ForwardBoth(first, second, normed);
            using var rows = new NormedRows(norm, x);
            var (actualFirst, actualSecond) = Linear.ForwardBoth(first, second, rows);
            Assert.Equal(expectedFirst.data<float>().ToArray(), actualFirst.data<float>().ToArray());
            Assert.Equal(expectedSecond.data<float>().ToArray(), actualSecond.data<float>().ToArray());
            foreach (var t in new[] { expectedFirst, expectedSecond, actualFirst, actualSecond })
                t.Dispose();
        }
    }

    [Fact]
    public void Forward_WithNorm_RefusesRowsOfAnotherWidth()
    {
        var random = new Random(6);
        var weights = new DictionaryWeights(new() { ["p.weight"] = Values(random, Out * In), ["n.weight"] = Values(random, 2 * In) });
        using var projection = Linear.Load(weights, "p", Out, In);
        using var wide = RmsNorm.Load(weights, "n", 2 * In, 1e-6);
        using var x = tensor(Values(random, 2 * In), [1, 2 * In]);

        var error = Assert.Throws<ArgumentException>(() => projection.Forward(wide, x));
        Assert.Contains($"not 1 rows of {In}", error.Message, StringComparison.Ordinal);
        // A norm narrower than the rows would read each row as several: refused before it does.
        var narrow = new DictionaryWeights(new() { ["m.weight"] = Values(random, In) });
        using var half = RmsNorm.Load(narrow, "m", In, 1e-6);
        var rows = Assert.Throws<ArgumentException>(() => projection.Forward(half, x));
        Assert.Contains($"rows of {2 * In} values for a norm over {In}", rows.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_RefusesRowsThatAreNotWholeRowsOfItsInputs()
    {
        var random = new Random(7);
        var weights = new DictionaryWeights(new() { ["p.weight"] = Values(random, Out * In), ["q.weight"] = Values(random, Out * In) });
        using var first = Linear.Load(weights, "p", Out, In);
        using var second = Linear.Load(weights, "q", Out, In);
        // 36 values: one row of 24 and half of another, which a floor division would have taken as one row.
        using var ragged = tensor(Values(random, 36), [2, 18]);

        var error = Assert.Throws<ArgumentException>(() => first.Forward(ragged));
        Assert.Contains($"36 input values are not 1 rows of {In}", error.Message, StringComparison.Ordinal);
        var both = Assert.Throws<ArgumentException>(() => Linear.ForwardBoth(first, second, ragged));
        Assert.Contains($"36 input values are not 2 rows of {In} for both projections", both.Message, StringComparison.Ordinal);
        using var x = tensor(Values(random, Tokens * In), [Tokens, In]);
        var output = Assert.Throws<ArgumentException>(() => first.Forward(x, new float[Tokens * Out - 1]));
        Assert.Contains($"{Tokens * Out - 1} output values for {Tokens} tokens", output.Message, StringComparison.Ordinal);
    }
}
