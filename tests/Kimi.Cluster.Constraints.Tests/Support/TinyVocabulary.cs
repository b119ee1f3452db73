using System.Text;
using Kimi.Cluster.Constraints;

namespace Kimi.Cluster.Constraints.Tests.Support;

/// <summary>
/// A hand-made vocabulary for tests that need no shared files: every single byte (ids 0-255, so
/// any text can be spelled byte by byte), multi-byte tokens that cross JSON token boundaries or
/// split UTF-8 characters, and named special tokens.
/// </summary>
internal static class TinyVocabulary
{
    private static readonly string[] Pieces =
    [
        "{\"", "\":", "\": ", "\",", "\"}", "\"]", "\", \"", "},", "}]", "[{", "[]", "{}", "]}", ",\"", "\":\"",
        "true", "false", "null", "tr", "ue", "nul", "12", "3.", ".5", "-1", "e+", "0,", "00", "1}", "2]",
        "functions", "functions.", ".get_", "get_", "weather", "time", ":0", "weather:0", "_time",
        "abc", "hello", " world", "\\n", "\\u00", "\\ud83d", "\\ude00", "é", "日本", "\n  ", "    ", "  \"",
        "red", "re", "green", "gr", "\"red\"", "city", "\"city\"", "unit", "celsius", "name", "value", "items",
    ];

    /// <summary>The first special id; specials follow the byte tokens and the pieces.</summary>
    public static readonly int FirstSpecial = 256 + Pieces.Length + 3;

    public static readonly int Eos = FirstSpecial;
    public static readonly int ThinkEnd = FirstSpecial + 1;
    public static readonly int SectionBegin = FirstSpecial + 2;
    public static readonly int CallBegin = FirstSpecial + 3;
    public static readonly int ArgumentBegin = FirstSpecial + 4;
    public static readonly int CallEnd = FirstSpecial + 5;
    public static readonly int SectionEnd = FirstSpecial + 6;
    public static readonly int Unused = FirstSpecial + 7;

    public static TokenVocabulary Instance { get; } = Build();

    public static int[] EndTokens => [Eos];

    /// <summary>The id of a single-byte token.</summary>
    public static int Byte(char c) => c;

    private static TokenVocabulary Build()
    {
        var tokens = new List<byte[]?>();
        for (int b = 0; b < 256; b++)
            tokens.Add([(byte)b]);
        tokens.AddRange(Pieces.Select(p => Encoding.UTF8.GetBytes(p)));
        tokens.Add([0xE2, 0x82]); // the first two bytes of the euro sign
        tokens.Add([0xAC, (byte)'"']); // its last byte and a closing quote
        tokens.Add([0xC3, 0xA9]); // é again: two ids with the same bytes
        tokens.AddRange(Enumerable.Repeat<byte[]?>(null, 8));
        return new TokenVocabulary(tokens);
    }
}
