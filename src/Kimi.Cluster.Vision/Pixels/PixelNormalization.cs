namespace Kimi.Cluster.Vision.Pixels;

/// <summary>
/// Moonshot's normalisation of an 8-bit channel value, with mean 0.5 and std 0.5, done in the
/// processor's precision: <c>(u8 / 255.0)</c> in double, cast to float32, then <c>-= 0.5</c> and
/// <c>*= 2</c> in float32. Only 256 inputs exist, so they are computed once into a table, by the
/// processor's steps rather than an algebraically equal shortcut, so that equality with numpy
/// holds by construction (the values are not symmetric: 127 gives -0x1.0101p-8, 128 0x1.0102p-8).
/// </summary>
public static class PixelNormalization
{
    private static readonly float[] _table = BuildTable();

    /// <summary>The value for a channel byte; padding (0) becomes -1.</summary>
    public static float Normalize(byte value) => _table[value];

    /// <summary>All 256 values, indexed by the channel byte.</summary>
    public static ReadOnlySpan<float> Table => _table;

    private static float[] BuildTable()
    {
        var table = new float[256];
        for (int value = 0; value < table.Length; value++)
        {
            float x = (float)(value / 255.0);
            x -= 0.5f;
            x *= 2.0f;
            table[value] = x;
        }
        return table;
    }
}
