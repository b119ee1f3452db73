using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.AgainstReference;

/// <summary>Conversions between reference arrays and tensors, and the relative-error check.</summary>
internal static class Compare
{
    public static Tensor ToTensor(double[][] rows) =>
        tensor(rows.SelectMany(r => r.Select(v => (float)v)).ToArray(), [rows.Length, rows[0].Length]);

    public static double[][] ToRows(Tensor t)
    {
        long columns = t.shape[1];
        float[] flat = t.contiguous().data<float>().ToArray();
        return Enumerable.Range(0, (int)t.shape[0]).Select(r => flat.Skip((int)(r * columns)).Take((int)columns).Select(v => (double)v).ToArray()).ToArray();
    }

    /// <summary>max |ours − reference| / max |reference| must stay under the tolerance.</summary>
    public static void RelativeErrorBelow(double[][] reference, double[][] ours, double tolerance, string what)
    {
        Assert.Equal(reference.Length, ours.Length);
        double scale = reference.SelectMany(r => r).Max(Math.Abs), worst = 0;
        for (int r = 0; r < reference.Length; r++)
        {
            Assert.Equal(reference[r].Length, ours[r].Length);
            for (int c = 0; c < reference[r].Length; c++)
                worst = Math.Max(worst, Math.Abs(reference[r][c] - ours[r][c]));
        }
        Assert.True(worst / scale < tolerance, $"{what}: relative error {worst / scale:E2} ≥ {tolerance:E0}");
    }
}
