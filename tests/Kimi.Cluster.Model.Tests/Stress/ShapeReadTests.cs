using System.Reflection;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.Tests.Support;
using Kimi.Cluster.Model.TensorSupport;
using TorchSharp;

namespace Kimi.Cluster.Model.Tests.Stress;

/// <summary>
/// The text model's per-step code reads sizes with size(d) or <see cref="TensorSizes"/>, never
/// TorchSharp's Tensor.shape, which builds its array through a callback from native code (about
/// 1.8 µs a read against 0.01 µs): a 61-layer decode step would spend milliseconds on it. The image
/// encoder (once per image) and the loaders are left alone.
/// </summary>
public sealed class ShapeReadTests
{
    private static readonly string[] PerStepNamespaces =
    [
        "Kimi.Cluster.Model.Layers", "Kimi.Cluster.Model.Engine", "Kimi.Cluster.Model.Exchange",
        "Kimi.Cluster.Model.Caching", "Kimi.Cluster.Model.RoutedExperts", "Kimi.Cluster.Model.TensorSupport",
    ];

    private const string ImageEncoderNamespace = "Kimi.Cluster.Model.Layers.Vision";

    [Fact]
    public void PerStepCode_NeverReadsTensorShape()
    {
        var readers = ShapeReaders(typeof(KimiModel).Assembly)
            .Where(r => PerStepNamespaces.Any(n => r.StartsWith(n + ".", StringComparison.Ordinal)))
            .Where(r => !r.StartsWith(ImageEncoderNamespace + ".", StringComparison.Ordinal))
            .ToList();

        Assert.True(readers.Count == 0, "Tensor.shape read in: " + string.Join("; ", readers));
    }

    [Fact]
    public void TheScan_FindsAShapeRead_WhereThereIsOne()
    {
        var readers = ShapeReaders(typeof(ShapeReadTests).Assembly);

        Assert.Contains(readers, r => r.Contains(nameof(ReadsTheShape), StringComparison.Ordinal));
        Assert.DoesNotContain(readers, r => r.Contains(nameof(ReadsSizes), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new long[0])]
    [InlineData(new long[] { 7 })]
    [InlineData(new long[] { 3, 1, 5 })]
    [InlineData(new long[] { 2, 0, 4, 6 })]
    public void TensorSizes_AreTheShape(long[] shape)
    {
        using var x = torch.zeros(shape);

        Assert.Equal(x.shape, TensorSizes.Of(x));
    }

    [Theory]
    [InlineData(new long[] { 3, 4 }, new long[] { 3, 4 }, true)]
    [InlineData(new long[] { 3, 4 }, new long[] { 4, 3 }, false)]
    [InlineData(new long[] { 12 }, new long[] { 3, 4 }, false)]
    [InlineData(new long[] { 1, 3, 4 }, new long[] { 3, 4 }, false)]
    [InlineData(new long[0], new long[0], true)]
    public void TensorSizes_Same_IsShapeEquality(long[] first, long[] second, bool same)
    {
        using var a = torch.zeros(first);
        using var b = torch.zeros(second);

        Assert.Equal(same, TensorSizes.Same(a, b));
        Assert.Equal(a.shape.SequenceEqual(b.shape), TensorSizes.Same(a, b));
    }

    private static List<string> ShapeReaders(Assembly assembly) => IlCallSites.Calls(assembly)
        .Where(c => c.Callee.DeclaringType == typeof(torch.Tensor) && c.Callee.Name == "get_shape")
        .Select(c => $"{c.Caller.DeclaringType?.FullName}.{c.Caller.Name}")
        .Distinct()
        .Order()
        .ToList();

    private static long ReadsTheShape(torch.Tensor x) => x.shape[0];

    private static long ReadsSizes(torch.Tensor x) => x.size(0);
}
