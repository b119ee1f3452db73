namespace Kimi.Cluster.Constraints;

/// <summary>
/// The UTF-8 encodings of a range of characters as a few sequences of byte ranges, each sequence
/// a product (byte 1 in its range, byte 2 in its, ...), so an automaton over bytes can match a
/// set of characters exactly.
/// </summary>
internal static class Utf8Sequences
{
    private static readonly int[] LengthLimits = [0x7F, 0x7FF, 0xFFFF, CodePointSet.MaxCodePoint];

    public static List<(byte First, byte Last)[]> Of(CodePointSet set)
    {
        var sequences = new List<(byte, byte)[]>();
        foreach (var (first, last) in set.Ranges)
            Split(first, last, sequences);
        return sequences;
    }

    private static void Split(int first, int last, List<(byte, byte)[]> sequences)
    {
        // Ranges whose ends encode to different lengths split at the length limits.
        foreach (int limit in LengthLimits)
        {
            if (first <= limit && last > limit)
            {
                Split(first, limit, sequences);
                Split(limit + 1, last, sequences);
                return;
            }
        }
        int length = Array.FindIndex(LengthLimits, limit => last <= limit) + 1;
        // Split until every continuation byte after the first differing one spans its full range.
        for (int i = 1; i < length; i++)
        {
            int mask = (1 << (6 * i)) - 1;
            if ((first & ~mask) == (last & ~mask))
                continue;
            if ((first & mask) != 0)
            {
                Split(first, first | mask, sequences);
                Split((first | mask) + 1, last, sequences);
                return;
            }
            if ((last & mask) != mask)
            {
                Split(first, (last & ~mask) - 1, sequences);
                Split(last & ~mask, last, sequences);
                return;
            }
        }
        byte[] a = Encode(first, length), b = Encode(last, length);
        var sequence = new (byte, byte)[length];
        for (int i = 0; i < length; i++)
            sequence[i] = (a[i], b[i]);
        sequences.Add(sequence);
    }

    private static byte[] Encode(int codePoint, int length) => length switch
    {
        1 => [(byte)codePoint],
        2 => [(byte)(0xC0 | (codePoint >> 6)), Continuation(codePoint, 0)],
        3 => [(byte)(0xE0 | (codePoint >> 12)), Continuation(codePoint, 6), Continuation(codePoint, 0)],
        _ => [(byte)(0xF0 | (codePoint >> 18)), Continuation(codePoint, 12), Continuation(codePoint, 6), Continuation(codePoint, 0)],
    };

    private static byte Continuation(int codePoint, int shift) => (byte)(0x80 | ((codePoint >> shift) & 0x3F));
}
