using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Text.Tests.Tokenization;

/// <summary>The built-in tiny vocabulary: its layout, and its files reading back to the same tokenizer.</summary>
public sealed class TinyTokenizerTests
{
    [Fact]
    public void Create_PutsBytesFirstMergesNextAndTheNamedSpecialsAtTheTop()
    {
        var tokenizer = TinyTokenizer.Create(512);
        Assert.Equal(512, tokenizer.VocabSize);
        for (int b = 0; b < 256; b++)
            Assert.Equal([(byte)b], tokenizer.TokenBytes(b));
        Assert.Contains(Enumerable.Range(256, 512 - 19 - 256), id => tokenizer.TokenBytes(id).Length > 1);
        Assert.Equal(19, tokenizer.SpecialTokens.Count);
        Assert.Equal(512 - 19, tokenizer.Ids.Bos);
        Assert.Equal(511, tokenizer.Ids.Pad);
        Assert.Equal(512 - 3, tokenizer.Ids.ThinkBegin);
        Assert.All(tokenizer.Encode("Hello! 你好 <|im_end|>[PAD]", allowSpecialTokens: true), id => Assert.InRange(id, 0, 511));
    }

    [Fact]
    public void Create_LearnsMergesThatShortenChatText()
    {
        var tokenizer = TinyTokenizer.Create(512);
        const string Text = "Hello! How can I help you today? 今天天气很好。";
        Assert.True(tokenizer.Encode(Text, allowSpecialTokens: false).Count < System.Text.Encoding.UTF8.GetByteCount(Text) / 2);
    }

    [Theory]
    [InlineData(300)]
    [InlineData(512)]
    [InlineData(4096)]
    public void WriteFiles_ThenLoad_GivesTheSameTokenizer(int vocabSize)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"kimi-tiny-{Guid.NewGuid():N}");
        try
        {
            TinyTokenizer.WriteFiles(directory, vocabSize);
            var loaded = KimiTokenizer.Load(directory);
            var created = TinyTokenizer.Create(vocabSize);
            Assert.Equal(created.VocabSize, loaded.VocabSize);
            Assert.Equal(created.SpecialTokens.OrderBy(p => p.Value), loaded.SpecialTokens.OrderBy(p => p.Value));
            Assert.Equal(created.Ids, loaded.Ids);
            for (int id = 0; id < vocabSize; id++)
                Assert.Equal(created.TokenBytes(id), loaded.TokenBytes(id));
            foreach (string text in MixedScriptText.Fixed)
                Assert.Equal(created.Encode(text, allowSpecialTokens: true), loaded.Encode(text, allowSpecialTokens: true));
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }
}
