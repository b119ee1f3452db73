using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Text.Tests.Tokenization;

/// <summary>Streaming decode: never half a character, and the pieces always add up to the whole decode.</summary>
public sealed class IncrementalDetokenizerTests
{
    private static KimiTokenizer Tokenizer => TestVocabulary.Tokenizer;

    [Fact]
    public void Push_HoldsBackAnIncompleteCharacter_UntilItsLastByte()
    {
        var detokenizer = Tokenizer.CreateDetokenizer(skipSpecialTokens: false);
        Assert.Equal("a", detokenizer.Push('a'));
        Assert.Equal("", detokenizer.Push(0xE4));
        Assert.Equal("", detokenizer.Push(0xBD));
        Assert.Equal("你", detokenizer.Push(0xA0));
        Assert.Equal("", detokenizer.Push(0xF0));
        Assert.Equal("\uFFFD", detokenizer.Flush());
    }

    [Fact]
    public void Push_ReplacesAnInvalidByteAtOnce_WhenTheNextCannotContinueIt()
    {
        var detokenizer = Tokenizer.CreateDetokenizer(skipSpecialTokens: false);
        Assert.Equal("", detokenizer.Push(0xE4));
        Assert.Equal("\uFFFDb", detokenizer.Push('b'));
        Assert.Equal("", detokenizer.Flush());
    }

    [Fact]
    public void Push_SkipsSpecialTokens_ExceptTheKeptOnes()
    {
        var kept = new HashSet<int> { Tokenizer.Ids.ThinkEnd!.Value };
        var detokenizer = Tokenizer.CreateDetokenizer(skipSpecialTokens: true, kept);
        Assert.Equal("", detokenizer.Push(Tokenizer.Ids.ThinkBegin!.Value));
        Assert.Equal("</think>", detokenizer.Push(Tokenizer.Ids.ThinkEnd!.Value));
        Assert.Throws<ArgumentOutOfRangeException>(() => detokenizer.Push(Tokenizer.VocabSize));
    }

    [Property(MaxTest = 300)]
    public Property PushesThenFlush_EqualDecode_WhenGivenAnyIds()
    {
        int top = TestVocabulary.RankCount + TinyTokenizer.NamedSpecialTokens.Count - 1;
        // Bytes 0x80..0xFF and the merged tokens make broken and completed characters likely.
        var id = Gen.Frequency((3, Gen.Choose(0x80, 0xFF)), (3, Gen.Choose(256, top)), (1, Gen.Choose(0, 0x7F)));
        var kept = new HashSet<int> { Tokenizer.Ids.ThinkBegin!.Value };
        return Prop.ForAll(id.ListOf().ToArbitrary(), Gen.Elements(true, false).ToArbitrary(), (ids, skip) =>
        {
            var detokenizer = Tokenizer.CreateDetokenizer(skip, kept);
            string streamed = string.Concat(ids.Select(detokenizer.Push)) + detokenizer.Flush();
            return streamed == Tokenizer.Decode(ids, skip, kept);
        });
    }
}
