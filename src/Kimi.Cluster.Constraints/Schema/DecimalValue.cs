using System.Globalization;
using System.Numerics;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// An exact decimal, Unscaled × 10^-Scale with Scale ≥ 0: schema bounds and generated numbers are
/// compared without the rounding of double or decimal.
/// </summary>
internal readonly record struct DecimalValue(BigInteger Unscaled, int Scale) : IComparable<DecimalValue>
{
    /// <summary>Exponents beyond this are refused: 10^this is still a cheap BigInteger.</summary>
    private const int MaxExponent = 4096;

    /// <summary>Parses a JSON number; false for text that is not one or whose exponent is out of reach.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DecimalValue value)
    {
        value = default;
        int e = text.IndexOfAny('e', 'E');
        int exponent = 0;
        if (e >= 0 && !int.TryParse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
            return false;
        var mantissa = e >= 0 ? text[..e] : text;
        if (Math.Abs(exponent) > MaxExponent || mantissa.IsEmpty)
            return false;
        int dot = mantissa.IndexOf('.');
        string digits = dot < 0 ? mantissa.ToString() : string.Concat(mantissa[..dot], mantissa[(dot + 1)..]);
        if (!BigInteger.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var unscaled))
            return false;
        int scale = (dot < 0 ? 0 : mantissa.Length - dot - 1) - exponent;
        value = scale >= 0 ? new DecimalValue(unscaled, scale) : new DecimalValue(unscaled * BigInteger.Pow(10, -scale), 0);
        return true;
    }

    public bool IsIntegral => Scale == 0 || Unscaled % BigInteger.Pow(10, Scale) == 0;

    public DecimalValue Negate() => new(-Unscaled, Scale);

    public int CompareTo(DecimalValue other)
    {
        int scale = Math.Max(Scale, other.Scale);
        return AtScale(scale).CompareTo(other.AtScale(scale));
    }

    /// <summary>The largest integer n with n × 10^-scale ≤ this.</summary>
    public BigInteger FloorAt(int scale) => scale >= Scale ? AtScale(scale) : FloorDivide(Unscaled, BigInteger.Pow(10, Scale - scale));

    /// <summary>The smallest integer n with n × 10^-scale ≥ this.</summary>
    public BigInteger CeilingAt(int scale) => -new DecimalValue(-Unscaled, Scale).FloorAt(scale);

    private BigInteger AtScale(int scale) => Unscaled * BigInteger.Pow(10, scale - Scale);

    private static BigInteger FloorDivide(BigInteger a, BigInteger b)
    {
        var quotient = BigInteger.DivRem(a, b, out var remainder);
        return remainder.Sign < 0 ? quotient - 1 : quotient;
    }
}
