using System.Diagnostics;
using Kimi.Cluster.Text.Tokenization;
using Xunit.Abstractions;

namespace Kimi.Cluster.Text.Tests.Tokenization;

[CollectionDefinition(nameof(ReleasedSizeLoadTests), DisableParallelization = true)]
public sealed class ReleasedSizeLoadCollection;

/// <summary>
/// A vocabulary of the released size (163,584 ranks) without tokenizer_config.json: the released
/// special ids, and a load time under 2 s. Not run beside other tests, so the time is its own.
/// </summary>
[Collection(nameof(ReleasedSizeLoadTests))]
public sealed class ReleasedSizeLoadTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"kimi-released-size-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_ReadsTheReleasedSizeQuicklyAndUsesTheReleasedIds_WhenThereIsNoConfig()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, TiktokenFiles.ModelFileName), string.Join("\n", ReleasedSizeLines()) + "\n");
        // The best of two: a shared build machine can stall any single attempt.
        var (tokenizer, elapsed) = TimedLoad();
        if (elapsed >= TimeSpan.FromSeconds(2))
            (tokenizer, elapsed) = TimedLoad();
        output.WriteLine($"loaded 163,584 ranks in {elapsed.TotalMilliseconds:F0} ms");
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"loading took {elapsed}");
        Assert.Equal(163_840, tokenizer.VocabSize);
        Assert.Equal(256, tokenizer.SpecialTokens.Count);
        foreach (var (content, id) in KimiSpecialTokens.Released)
            Assert.Equal(id, tokenizer.SpecialTokens[content]);
        Assert.Equal(163_589, tokenizer.SpecialTokens["<|reserved_token_163589|>"]);
        Assert.Equal(163_606, tokenizer.Ids.ThinkBegin);
        Assert.Equal(163_839, tokenizer.Ids.Pad);
        Assert.Equal([163_587, 'h', 'i', 163_586], tokenizer.Encode("<|im_user|>hi<|im_end|>", allowSpecialTokens: true));
    }

    private (KimiTokenizer Tokenizer, TimeSpan Elapsed) TimedLoad()
    {
        var clock = Stopwatch.StartNew();
        var tokenizer = KimiTokenizer.Load(_directory);
        return (tokenizer, clock.Elapsed);
    }

    /// <summary>256 bytes, then distinct 4-byte tokens no merge can reach, 163,584 ranks in all.</summary>
    private static IEnumerable<string> ReleasedSizeLines() => TokenizerLoadTests.ByteLines(256).Concat(
        Enumerable.Range(0, 163_584 - 256).Select(i => $"{Convert.ToBase64String([0xFF, (byte)(i >> 16), (byte)(i >> 8), (byte)i])} {256 + i}"));
}
