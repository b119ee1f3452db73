using System.Text;
using Kimi.Cluster.Constraints.Tests.Support;

namespace Kimi.Cluster.Constraints.Tests.Json;

/// <summary>
/// The grammar of "any JSON value" byte by byte against System.Text.Json's reader: every prefix of
/// a valid document is taken and the whole can end; an invalid one is refused at the byte where the
/// reader first fails. Documents stay within the grammar's own limits (white space gaps of at most
/// four bytes, no CR, none before or after the value); those limits are tested on their own.
/// </summary>
public sealed class JsonSyntaxTests
{
    private const string AnyValue = "true";

    public static TheoryData<string> ValidDocuments() =>
    [
        "{}", "[]", "0", "-0", "12", "-12.5e+3", "1E9", "0.0", "true", "false", "null", "\"\"",
        "{\"a\":1}", "{ \"a\" : [1, 2.5, \"x\"] }", "[[[[]]]]", "[{\"\":{}}]", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
        "\"\\u0000\\u001f\\uFFFF\"", "\"\\ud83d\\ude00\"", "\"é日本😀\"", "{\"k\":\n\t\"v\",\n\"w\":null}",
        "[1,\n   2]", "123456789012345678901234567890", "{\"a\":{\"b\":{\"c\":[true,false,null]}}}",
    ];

    public static TheoryData<string> InvalidDocuments() =>
    [
        "{,}", "[1,]", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "01", "-", "-a", "1.", "1.e5", ".5", "1e", "1e+",
        "tru", "trux", "nul", "[1 2]", "{\"a\":1,}", "{1:2}", "\"abc", "\"\\x\"", "\"\\u12G4\"", "[}", "{]",
        "\"a\nb\"", "\"\t\"", "[1]]", "{}{}", "{\"a\":1}x", "+1", "[01]", "[-]", "NaN", "{'a':1}",
    ];

    [Theory]
    [MemberData(nameof(ValidDocuments))]
    public void EveryPrefix_IsTakenAndCanBeCompleted_WhenTheDocumentIsValid(string document)
    {
        var cursor = Cursors.ForSchema(AnyValue);
        var prefix = new List<byte>();
        foreach (byte b in Encoding.UTF8.GetBytes(document))
        {
            Assert.True(cursor.TryAccept(b));
            prefix.Add(b);
            var (rest, _) = new RandomWalker(TinyVocabulary.Instance, b) { CloseAfter = 0, MaxTokens = 100 }.Walk(cursor.Fork(), TinyVocabulary.EndTokens);
            byte[] completed = [.. prefix, .. rest];
            Assert.True(ReaderVerdict.IsComplete(completed), Encoding.UTF8.GetString(completed));
        }
        Assert.True(cursor.CanEnd);
        Assert.True(ReaderVerdict.IsComplete(Encoding.UTF8.GetBytes(document)));
    }

    [Theory]
    [MemberData(nameof(InvalidDocuments))]
    public void Feed_RefusesTheByteTheReaderFailsAt_WhenTheDocumentIsInvalid(string document)
    {
        AssertAgreesWithReader(Encoding.UTF8.GetBytes(document));
    }

    [Fact]
    public void Feed_AgreesWithTheReader_OnRandomDocumentsAndTheirMutations()
    {
        var documents = new RandomJson(seed: 7);
        var random = new Random(11);
        const string mutationBytes = "{}[],:\"\\ 0123456789.-+eEtrufalsn\u00e9x";
        for (int i = 0; i < 400; i++)
        {
            byte[] valid = Encoding.UTF8.GetBytes(documents.Next());
            AssertAgreesWithReader(valid);
            var mutated = valid.ToList();
            int at = random.Next(mutated.Count + 1);
            switch (random.Next(3))
            {
                case 0 when at < mutated.Count: mutated.RemoveAt(at); break;
                case 1 when at < mutated.Count: mutated[at] = (byte)mutationBytes[random.Next(mutationBytes.Length)]; break;
                default: mutated.Insert(at, (byte)mutationBytes[random.Next(mutationBytes.Length)]); break;
            }
            if (WithinGrammarLimits(mutated))
                AssertAgreesWithReader([.. mutated]);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x22, 0xC3, 0x28, 0x22 }, 2)] // a lead byte without continuation
    [InlineData(new byte[] { 0x22, 0xED, 0xA0, 0x80, 0x22 }, 2)] // an encoded surrogate
    [InlineData(new byte[] { 0x22, 0xE0, 0x80, 0x80, 0x22 }, 2)] // overlong
    [InlineData(new byte[] { 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22 }, 2)] // past U+10FFFF
    [InlineData(new byte[] { 0x22, 0xC0, 0xAF, 0x22 }, 1)] // never a lead byte
    [InlineData(new byte[] { 0x22, 0x80, 0x22 }, 1)] // a continuation without lead
    public void Feed_RefusesInvalidUtf8_AtTheFirstImpossibleByte(byte[] document, int refusedAt)
    {
        Assert.Equal(refusedAt, Cursors.FeedBytes(Cursors.ForSchema(AnyValue), document));
    }

    [Theory]
    [InlineData("\"\\ud83d\"")] // a high surrogate alone
    [InlineData("\"\\ude00\"")] // a low surrogate alone
    [InlineData("\"\\ud83dx\"")]
    [InlineData("\"\\ud83d\\u0041\"")]
    public void Feed_RefusesLoneSurrogateEscapes_WhichValidatorsCannotRead(string document)
    {
        Assert.False(Cursors.AcceptsWhole(AnyValue, document));
    }

    [Theory]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("[1,\r2]")]
    [InlineData("[1,     2]")]
    [InlineData("{\"a\":\n\n\n\n\n1}")]
    public void Feed_RefusesWhiteSpaceOutsideTheGrammarsLimits(string document)
    {
        Assert.False(Cursors.AcceptsWhole(AnyValue, document));
    }

    [Fact]
    public void Feed_TakesNoWhiteSpace_WhenTheLimitIsZero()
    {
        var compact = JsonGrammarOptions.Default with { MaxWhitespace = 0 };
        Assert.True(Cursors.AcceptsWhole(AnyValue, "{\"a\":[1,2]}", compact));
        Assert.False(Cursors.AcceptsWhole(AnyValue, "{\"a\": [1,2]}", compact));
    }

    [Fact]
    public void Feed_AllowsOnlyScalars_PastTheFreeDepth()
    {
        var shallow = JsonGrammarOptions.Default with { MaxFreeDepth = 2 };
        Assert.True(Cursors.AcceptsWhole(AnyValue, "[[1]]", shallow));
        Assert.False(Cursors.AcceptsWhole(AnyValue, "[[[1]]]", shallow));
    }

    private static void AssertAgreesWithReader(byte[] document)
    {
        var cursor = Cursors.ForSchema(AnyValue);
        int taken = Cursors.FeedBytes(cursor, document);
        int readerBad = ReaderVerdict.FirstBadByte(document);
        string text = Encoding.UTF8.GetString(document);
        if (taken < document.Length && char.IsWhiteSpace((char)document[taken]) && ReaderVerdict.IsComplete(document[..taken]))
            return; // white space after the value: the reader reads on, the grammar ends the value there
        Assert.True(readerBad < 0 ? taken == document.Length : taken == readerBad, $"'{text}': refused at {taken}, the reader fails at {readerBad}");
        if (taken == document.Length)
            Assert.True(cursor.CanEnd == ReaderVerdict.IsComplete(document), $"'{text}': can end {cursor.CanEnd}");
    }

    /// <summary>
    /// Valid UTF-8 (the reader reports bad UTF-8 only at the string's end; tested above), no white
    /// space before or after the value, no gap over four bytes, no lone surrogate escape.
    /// </summary>
    private static bool WithinGrammarLimits(List<byte> document)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. document]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        return text.Length > 0 && !char.IsWhiteSpace(text[0]) && !char.IsWhiteSpace(text[^1])
            && !System.Text.RegularExpressions.Regex.IsMatch(text, @"\s{5}")
            && !System.Text.RegularExpressions.Regex.IsMatch(text, @"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F]");
    }
}
