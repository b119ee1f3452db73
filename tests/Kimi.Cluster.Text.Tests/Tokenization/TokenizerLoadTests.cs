using System.Text;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Text.Tests.Tokenization;

/// <summary>Reading a model directory: special tokens from tokenizer_config.json or the released ids, and errors that name the file and line.</summary>
public sealed class TokenizerLoadTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"kimi-load-test-{Guid.NewGuid():N}");

    public TokenizerLoadTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Exists_IsFalse_WithoutTiktokenModel()
    {
        Assert.False(KimiTokenizer.Exists(_directory));
        WriteModel(ByteLines(256));
        Assert.True(KimiTokenizer.Exists(_directory));
    }

    [Fact]
    public void Load_ThrowsNamingTheFile_WhenTiktokenModelIsMissing()
    {
        var error = Assert.Throws<TokenizerLoadException>(() => KimiTokenizer.Load(_directory));
        Assert.Contains(TiktokenFiles.ModelFileName, error.Message);
    }

    [Theory]
    [InlineData("QQ== 0\nQg== 1\nnot-a-line\n", 3, "base64 rank")]
    [InlineData("QQ== 0\nQg== 0\n", 2, "rank 0 appears twice")]
    [InlineData("QQ== 0\nQQ== 1\n", 2, "repeats rank 0")]
    [InlineData("QQ== 0\n%%%% 1\n", 2, "not base64")]
    [InlineData("QQ== 0\nQg== 5\n", 2, "leaves a gap")]
    [InlineData("QQ== 0\n\nQg== x\n", 3, "not a rank")]
    public void Load_ThrowsWithTheLineNumber_ForAMalformedModelLine(string model, int line, string what)
    {
        File.WriteAllText(Path.Combine(_directory, TiktokenFiles.ModelFileName), model);
        var error = Assert.Throws<TokenizerLoadException>(() => KimiTokenizer.Load(_directory));
        Assert.Contains($"{TiktokenFiles.ModelFileName} line {line}", error.Message);
        Assert.Contains(what, error.Message);
    }

    [Fact]
    public void Load_ThrowsNamingTheConfig_ForBadJson()
    {
        WriteModel(ByteLines(256));
        File.WriteAllText(Path.Combine(_directory, TiktokenFiles.ConfigFileName), "{\"added_tokens_decoder\": {");
        var error = Assert.Throws<TokenizerLoadException>(() => KimiTokenizer.Load(_directory));
        Assert.Contains(TiktokenFiles.ConfigFileName, error.Message);
    }

    [Fact]
    public void Load_NamesUnnamedIdsAsReserved_UpToTheHighestNamedId()
    {
        WriteModel(ByteLines(256));
        File.WriteAllText(Path.Combine(_directory, TiktokenFiles.ConfigFileName),
            """{"added_tokens_decoder": {"256": {"content": "[BOS]", "special": true}, "259": {"content": "<|im_end|>"}, "7": {"content": "ignored"}}}""");
        var tokenizer = KimiTokenizer.Load(_directory);
        Assert.Equal(260, tokenizer.VocabSize);
        Assert.Equal(257, tokenizer.SpecialTokens["<|reserved_token_257|>"]);
        Assert.Equal(258, tokenizer.SpecialTokens["<|reserved_token_258|>"]);
        Assert.Equal(4, tokenizer.SpecialTokens.Count);
        Assert.Equal(new KimiSpecialTokenIds { Bos = 256, ImEnd = 259 }, tokenizer.Ids);
    }

    [Fact]
    public void Load_HasNoSpecialTokensUnlessTheVocabularyIsTheReleasedSize_WhenThereIsNoConfig()
    {
        WriteModel(ByteLines(256));
        Assert.Empty(KimiTokenizer.Load(_directory).SpecialTokens);
    }

    private void WriteModel(IEnumerable<string> lines) =>
        File.WriteAllText(Path.Combine(_directory, TiktokenFiles.ModelFileName), string.Join("\n", lines) + "\n");

    internal static IEnumerable<string> ByteLines(int count) =>
        Enumerable.Range(0, count).Select(b => $"{Convert.ToBase64String([(byte)b])} {b}");
}
