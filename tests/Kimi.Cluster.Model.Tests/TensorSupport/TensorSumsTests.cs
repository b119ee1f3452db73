using Kimi.Cluster.Model.TensorSupport;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.TensorSupport;

/// <summary>The residual sums added in place: the same bits as libtorch's add, into the left tensor itself.</summary>
public sealed class TensorSumsTests
{
    [Theory]
    [InlineData(1, 1024)]
    [InlineData(3, 1000)]
    [InlineData(64, 17)]
    public void AddInPlace_GivesPlusBitForBit_IntoItsTarget(int rows, int columns)
    {
        using var scope = NewDisposeScope();
        var target = Random(rows, columns, seed: rows);
        var addend = Random(rows, columns, seed: columns);
        var expected = target.Plus(addend).data<float>().ToArray();

        var sum = target.AddInPlace(addend);

        Assert.Same(target, sum);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), target.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void AddInPlace_OfAViewOrAnotherShape_FallsBackToLibtorch()
    {
        using var scope = NewDisposeScope();
        var target = Random(4, 6, seed: 1);
        var transposed = Random(6, 4, seed: 2).t(); // not contiguous
        var expected = target.Plus(transposed).data<float>().ToArray();
        Assert.Equal(expected, target.AddInPlace(transposed).data<float>().ToArray());

        var row = Random(1, 6, seed: 3); // broadcast over the rows
        var broadcast = target.Plus(row).data<float>().ToArray();
        Assert.Equal(broadcast, target.AddInPlace(row).data<float>().ToArray());
    }

    [Fact]
    public void FromFloats_HoldsTheValuesInTheGivenShape()
    {
        using var scope = NewDisposeScope();
        float[] values = [1f, -2.5f, float.Epsilon, 4f, 5f, -0f];
        var result = TensorMemory.FromFloats(values, 2, 3);
        Assert.Equal([2L, 3L], result.shape);
        Assert.Equal(ScalarType.Float32, result.dtype);
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), result.data<float>().ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    private static Tensor Random(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var values = new float[rows * columns];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(random.NextDouble() * 200 - 100);
        return tensor(values, [rows, columns]);
    }
}
