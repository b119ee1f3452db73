namespace Kimi.Cluster.Constraints;

/// <summary>
/// A set of Unicode scalar values as sorted, disjoint, non-adjacent ranges. Surrogates are never
/// members: a JSON string written as UTF-8 cannot hold them, so no set the patterns build does.
/// </summary>
internal sealed class CodePointSet
{
    public const int MaxBmp = 0xFFFF, MaxCodePoint = 0x10FFFF;
    private const int SurrogateFirst = 0xD800, SurrogateLast = 0xDFFF;

    private CodePointSet(List<(int First, int Last)> ranges) => Ranges = ranges;

    /// <summary>The ranges, ascending.</summary>
    public IReadOnlyList<(int First, int Last)> Ranges { get; }

    public static CodePointSet Empty { get; } = new([]);

    /// <summary>Every character a JSON string can hold.</summary>
    public static CodePointSet AnyCharacter { get; } = Of((0, MaxCodePoint));

    /// <summary>
    /// The characters one regex atom ('.', a negated class) may match: the pattern is matched on
    /// UTF-16 code units by the validator, and a character beyond the BMP is two of them, so only
    /// the BMP keeps one atom equal to one character.
    /// </summary>
    public static CodePointSet Bmp { get; } = Of((0, MaxBmp));

    public static CodePointSet Ascii { get; } = Of((0, 0x7F));

    public static CodePointSet Digits { get; } = Of(('0', '9'));

    public static CodePointSet WordCharacters { get; } = Of(('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z'));

    /// <summary>ASCII white space (\t \n \v \f \r and space), which every regex dialect's \s matches.</summary>
    public static CodePointSet Spaces { get; } = Of(('\t', '\r'), (' ', ' '));

    /// <summary>What '.' matches in both ECMAScript (no line terminators) and .NET (no \n).</summary>
    public static CodePointSet Dot { get; } = Bmp.Minus(Of(('\n', '\n'), ('\r', '\r'), (0x2028, 0x2029)));

    public static CodePointSet Single(int codePoint) => Of((codePoint, codePoint));

    public static CodePointSet Of(params (int First, int Last)[] ranges) => Normalize(ranges);

    public bool IsEmpty => Ranges.Count == 0;

    public bool Contains(int codePoint)
    {
        foreach (var (first, last) in Ranges)
        {
            if (codePoint < first)
                return false;
            if (codePoint <= last)
                return true;
        }
        return false;
    }

    public CodePointSet Union(CodePointSet other) => Normalize([.. Ranges, .. other.Ranges]);

    /// <summary>The members of <paramref name="universe"/> not in this set.</summary>
    public CodePointSet ComplementWithin(CodePointSet universe) => universe.Minus(this);

    public CodePointSet Minus(CodePointSet other)
    {
        var result = new List<(int, int)>();
        foreach (var (first, last) in Ranges)
        {
            int start = first;
            foreach (var (otherFirst, otherLast) in other.Ranges)
            {
                if (otherLast < start || otherFirst > last)
                    continue;
                if (otherFirst > start)
                    result.Add((start, otherFirst - 1));
                start = otherLast + 1;
                if (start > last)
                    break;
            }
            if (start <= last)
                result.Add((start, last));
        }
        return Normalize(result);
    }

    public CodePointSet Intersect(CodePointSet other) => Minus(Minus(other));

    private static CodePointSet Normalize(IEnumerable<(int First, int Last)> ranges)
    {
        var split = new List<(int First, int Last)>();
        foreach (var (first, last) in ranges)
        {
            // Cut the surrogates out.
            if (first < SurrogateFirst)
                split.Add((first, Math.Min(last, SurrogateFirst - 1)));
            if (last > SurrogateLast)
                split.Add((Math.Max(first, SurrogateLast + 1), last));
        }
        split.RemoveAll(r => r.First > r.Last);
        split.Sort();
        var merged = new List<(int First, int Last)>();
        foreach (var range in split)
        {
            if (merged.Count > 0 && range.First <= merged[^1].Last + 1)
                merged[^1] = (merged[^1].First, Math.Max(merged[^1].Last, range.Last));
            else
                merged.Add(range);
        }
        return new CodePointSet(merged);
    }
}
