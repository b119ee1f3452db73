using Kimi.Cluster.Constraints;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Constraints.Tests.Support;

/// <summary>Moonshot's real tokenizer (../shared) as a <see cref="TokenVocabulary"/>, loaded once for all tests.</summary>
internal static class RealVocabulary
{
    private static readonly Lazy<(KimiTokenizer Tokenizer, TokenVocabulary Vocabulary)> Loaded = new(Load);

    public static KimiTokenizer Tokenizer => Loaded.Value.Tokenizer;

    public static TokenVocabulary Instance => Loaded.Value.Vocabulary;

    public static int Id(string special) => Tokenizer.SpecialTokens[special];

    public static int[] EndTokens => [Id("[EOS]"), Id("<|im_end|>")];

    private static (KimiTokenizer, TokenVocabulary) Load()
    {
        string directory = Path.GetDirectoryName(SharedFiles.Require("kimi-files", "kimi-vendor-verifier-beam-tokenizer", "tiktoken.model"))!;
        var tokenizer = KimiTokenizer.Load(directory);
        return (tokenizer, new TokenVocabulary(tokenizer.TextByteStrings()));
    }
}
