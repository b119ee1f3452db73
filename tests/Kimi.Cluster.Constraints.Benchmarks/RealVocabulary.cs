using Kimi.Cluster.Constraints;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Constraints.Benchmarks;

/// <summary>
/// Moonshot's real tokenizer as a <see cref="TokenVocabulary"/>: from the directory in
/// KIMI_TOKENIZER_DIR, else shared/kimi-files/kimi-vendor-verifier-beam-tokenizer found beside
/// the checkout (the benchmark's working directory is somewhere under it).
/// </summary>
internal static class RealVocabulary
{
    private const string Shared = "shared/kimi-files/kimi-vendor-verifier-beam-tokenizer";

    public static (KimiTokenizer Tokenizer, TokenVocabulary Vocabulary) Load()
    {
        var tokenizer = KimiTokenizer.Load(Directory());
        return (tokenizer, new TokenVocabulary(tokenizer.TextByteStrings()));
    }

    private static string Directory()
    {
        if (Environment.GetEnvironmentVariable("KIMI_TOKENIZER_DIR") is { Length: > 0 } given)
            return given;
        for (var at = new DirectoryInfo(AppContext.BaseDirectory); at is not null; at = at.Parent)
        {
            string candidate = Path.Combine(at.FullName, Shared);
            if (System.IO.Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException($"set KIMI_TOKENIZER_DIR to a directory with tiktoken.model ({Shared} was not found above {AppContext.BaseDirectory})");
    }
}
