using FsCheck.Xunit;
using Kimi.Cluster.Text.Parsing;

namespace Kimi.Cluster.Text.Tests.Parsing;

public sealed class OutputParserPropertyTests
{
    /// <summary>The whole parse recovers the structure a random generation was rendered from.</summary>
    [Property(MaxTest = 1000)]
    public void Parse_RecoversTheRenderedStructure_WhenParsingTheWholeOutput(Guid seed)
    {
        var generated = GeneratedOutput.Create(new Random(seed.GetHashCode()));
        ParsingAssert.Equal(generated.Expected, KimiOutputParser.Parse(generated.Text, generated.Options));
    }

    /// <summary>Any chunking of a random generation streams to the whole parse, 1-character chunks included.</summary>
    [Property(MaxTest = 1000)]
    public void Streaming_AddsUpToTheWholeParse_WhenPushedInRandomChunks(Guid seed)
    {
        var random = new Random(seed.GetHashCode());
        var generated = GeneratedOutput.Create(random);
        var whole = KimiOutputParser.Parse(generated.Text, generated.Options);
        DeltaCollector.AssertSame(whole, DeltaCollector.StreamByChars(generated.Text, generated.Options));
        DeltaCollector.AssertSame(whole, DeltaCollector.Stream(generated.Text, generated.Options, RandomChunks(random, generated.Text.Length)));
    }

    /// <summary>Arbitrary text (not only well-formed output), cut anywhere: streaming still equals whole.</summary>
    [Property(MaxTest = 1000)]
    public void Streaming_AddsUpToTheWholeParse_WhenTheTextIsArbitrary(Guid seed)
    {
        var random = new Random(seed.GetHashCode());
        var text = Soup(random);
        foreach (var options in Options)
        {
            var whole = KimiOutputParser.Parse(text, options);
            DeltaCollector.AssertSame(whole, DeltaCollector.StreamByChars(text, options));
            DeltaCollector.AssertSame(whole, DeltaCollector.Stream(text, options, RandomChunks(random, text.Length)));
        }
    }

    /// <summary>Every prefix of a generation (output cut by max_tokens) streams to its whole parse.</summary>
    [Property(MaxTest = 200)]
    public void Streaming_AddsUpToTheWholeParse_WhenTheOutputIsTruncatedAnywhere(Guid seed)
    {
        var random = new Random(seed.GetHashCode());
        var generated = GeneratedOutput.Create(random);
        for (var length = 0; length <= generated.Text.Length; length++)
        {
            var text = generated.Text[..length];
            var whole = KimiOutputParser.Parse(text, generated.Options);
            DeltaCollector.AssertSame(whole, DeltaCollector.Stream(text, generated.Options, RandomChunks(random, length)));
        }
    }

    private static readonly OutputParserOptions[] Options =
    [
        new() { StartsInReasoning = false, ParseToolCalls = false },
        new() { StartsInReasoning = false, ParseToolCalls = true },
        new() { StartsInReasoning = true, ParseToolCalls = false },
        new() { StartsInReasoning = true, ParseToolCalls = true },
    ];

    private static readonly string[] SoupPieces =
    [
        "<think>", "</think>", "<|tool_calls_section_begin|>", "<|tool_calls_section_end|>", "<|tool_call_begin|>",
        "<|tool_call_argument_begin|>", "<|tool_call_end|>", "<|tool_call", "</thi", "<|", "<", "|", ">",
        "functions.f:0", "x", " ", "\n", "{}", "🙂", ":",
    ];

    private static string Soup(Random random) =>
        string.Concat(Enumerable.Range(0, random.Next(30)).Select(_ => SoupPieces[random.Next(SoupPieces.Length)]));

    /// <summary>Chunk lengths of 1 to 12 characters, sometimes with empty chunks; the rest goes in one last push.</summary>
    private static IEnumerable<int> RandomChunks(Random random, int length)
    {
        var chunks = new List<int>();
        for (var total = 0; total < length;)
        {
            var chunk = random.Next(8) == 0 ? 0 : random.Next(1, 13);
            chunks.Add(chunk);
            total += chunk;
        }
        return chunks;
    }
}
