using System.Numerics;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// The bounds of a number or integer schema (minimum, maximum and their exclusive forms) and the
/// exact answer to "can this prefix still become a number within them?". Bounded numbers are
/// generated without exponent and at most <see cref="MaxLength"/> characters long, so the answer
/// is a finite check over the digits that may still come.
/// </summary>
internal sealed class NumberRange(DecimalValue? lower, bool lowerExclusive, DecimalValue? upper, bool upperExclusive)
{
    public const int MaxLength = 32;

    private DecimalValue? Upper => upper;

    public bool Contains(DecimalValue value) =>
        (lower is not { } lo || (lowerExclusive ? value.CompareTo(lo) > 0 : value.CompareTo(lo) >= 0))
        && (upper is not { } hi || (upperExclusive ? value.CompareTo(hi) < 0 : value.CompareTo(hi) <= 0));

    /// <summary>True when some number text of at most <see cref="MaxLength"/> characters that starts with <paramref name="prefix"/> lies in the range.</summary>
    public bool CanComplete(string prefix, bool integerOnly)
    {
        if (prefix.Length == 0)
            return CanComplete("-", integerOnly) || MagnitudeCanComplete("", MaxLength, integerOnly, this);
        bool negative = prefix[0] == '-';
        var magnitudeRange = negative ? Mirror() : this;
        return MagnitudeCanComplete(negative ? prefix[1..] : prefix, MaxLength - (negative ? 1 : 0), integerOnly, magnitudeRange);
    }

    private NumberRange Mirror() => new(upper?.Negate(), upperExclusive, lower?.Negate(), lowerExclusive);

    private static bool MagnitudeCanComplete(string magnitude, int budget, bool integerOnly, NumberRange range)
    {
        if (magnitude.Length == 0)
            return budget >= 1 && "0123456789".Any(digit => MagnitudeCanComplete(digit.ToString(), budget, integerOnly, range));
        int dot = magnitude.IndexOf('.');
        if (dot >= 0)
            return FractionCanComplete(magnitude, dot, budget, range);
        if (magnitude == "0")
            return range.Hits(BigInteger.Zero, 0, BigInteger.One)
                || (!integerOnly && budget >= 3 && range.Hits(BigInteger.Zero, budget - 2, BigInteger.Pow(10, budget - 2)));
        return IntegerCanComplete(BigInteger.Parse(magnitude), magnitude.Length, budget, integerOnly, range);
    }

    /// <summary>"I.f" followed by up to the remaining digits: a grid of points from I.f upwards.</summary>
    private static bool FractionCanComplete(string magnitude, int dot, int budget, NumberRange range)
    {
        int more = budget - magnitude.Length;
        int fractionDigits = magnitude.Length - dot - 1;
        if (more < 0 || (fractionDigits == 0 && more == 0))
            return false;
        var digits = BigInteger.Parse(string.Concat(magnitude.AsSpan(0, dot), magnitude.AsSpan(dot + 1)));
        var count = BigInteger.Pow(10, more);
        return range.Hits(digits * count, fractionDigits + more, count);
    }

    /// <summary>Digits I (no leading zero) followed by a more digits, then maybe a fraction.</summary>
    private static bool IntegerCanComplete(BigInteger leading, int length, int budget, bool integerOnly, NumberRange range)
    {
        for (int more = 0; length + more <= budget; more++)
        {
            var count = BigInteger.Pow(10, more);
            var start = leading * count;
            if (range.Upper is { } hi && new DecimalValue(start, 0).CompareTo(hi) > 0)
                return false; // every longer completion is larger still
            int fraction = budget - length - more - 1;
            bool hit = integerOnly || fraction < 1
                ? range.Hits(start, 0, count)
                : range.Hits(start * BigInteger.Pow(10, fraction), fraction, count * BigInteger.Pow(10, fraction));
            if (hit)
                return true;
        }
        return false;
    }

    /// <summary>Whether some (start + t) × 10^-scale with 0 ≤ t &lt; count lies in the range.</summary>
    private bool Hits(BigInteger start, int scale, BigInteger count)
    {
        var first = start;
        var last = start + count - 1;
        if (lower is { } lo)
            first = BigInteger.Max(first, lowerExclusive ? lo.FloorAt(scale) + 1 : lo.CeilingAt(scale));
        if (upper is { } hi)
            last = BigInteger.Min(last, upperExclusive ? hi.CeilingAt(scale) - 1 : hi.FloorAt(scale));
        return first <= last;
    }
}
