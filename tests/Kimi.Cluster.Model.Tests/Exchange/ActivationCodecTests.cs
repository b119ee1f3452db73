using Kimi.Cluster.Model.Exchange;

namespace Kimi.Cluster.Model.Tests.Exchange;

/// <summary>The bfloat16 wire encoding: the upper half of each float32, rounded to nearest even.</summary>
public sealed class ActivationCodecTests
{
    [Fact]
    public void Bfloat16_RoundsToNearestEvenAndWidensExactly()
    {
        // 1 + 2^-8 lies halfway between two bf16 values: ties go to the even one (1.0);
        // 1 + 3·2^-8 lies halfway too and goes up to 1 + 2^-6; 1 + 2^-8 + 2^-20 is past halfway.
        float[] values = [1f, 1f + 1f / 256, 1f + 3f / 256, 1f + 1f / 256 + 1f / (1 << 20), -2.5f, 0f, float.PositiveInfinity, float.MaxValue];
        float[] expected = [1f, 1f, 1f + 1f / 64, 1f + 1f / 128, -2.5f, 0f, float.PositiveInfinity, float.PositiveInfinity];
        var bytes = new byte[values.Length * ActivationCodec.BFloat16Size];
        var back = new float[values.Length];

        ActivationCodec.ToBFloat16(values, bytes);
        ActivationCodec.FromBFloat16(bytes, back);

        Assert.Equal(expected, back);
    }

    [Fact]
    public void Bfloat16_KeepsNanANanAndChecksSizes()
    {
        var bytes = new byte[2];
        var back = new float[1];
        ActivationCodec.ToBFloat16([float.NaN], bytes);
        ActivationCodec.FromBFloat16(bytes, back);

        Assert.True(float.IsNaN(back[0]));
        Assert.Throws<ArgumentException>(() => ActivationCodec.ToBFloat16([1f, 2f], new byte[3]));
        Assert.Throws<ArgumentException>(() => ActivationCodec.FromBFloat16(new byte[3], new float[2]));
    }
}
