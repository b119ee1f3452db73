namespace Kimi.Cluster.Constraints;

/// <summary>
/// How the grammar counts a string's length against minLength and maxLength. The validator counts
/// text elements (grapheme clusters), which no byte-level count can follow exactly, so the grammar
/// counts from both sides: every code point (or escape) toward maxLength, since a cluster holds at
/// least one; toward minLength only characters that always stand alone as a cluster: printable
/// ASCII (no rule joins two of them) and control characters other than CR (CR LF is one cluster).
/// </summary>
internal static class StringLength
{
    /// <summary>Does this byte of raw (unescaped) text start a character that counts toward minLength?</summary>
    public static bool CountsTowardMinimum(byte b) => b is >= 0x20 and < 0x7F;

    /// <summary>Does the escape with this letter (after the backslash) count toward minLength? (\r and \u do not.)</summary>
    public static bool EscapeCountsTowardMinimum(byte letter) => letter is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'t';

    public static int CodePoints(string value) => value.EnumerateRunes().Count();

    public static int SureClusters(string value) => value.Count(c => c is >= ' ' and < '\x7f' || (char.IsControl(c) && c != '\r' && c < '\x20'));

    /// <summary>Would every spelling of <paramref name="value"/> satisfy the node's length bounds?</summary>
    public static bool Fits(string value, SchemaNode node) =>
        SureClusters(value) >= node.MinLength && (node.MaxLength < 0 || CodePoints(value) <= node.MaxLength);
}
