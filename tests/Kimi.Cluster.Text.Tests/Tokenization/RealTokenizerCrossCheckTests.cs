using System.Text.Json.Nodes;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Text.Chat;
using Kimi.Cluster.Text.Tests.Chat;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Text.Tests.Tokenization;

/// <summary>
/// Moonshot's real tokenizer files (../shared/kimi-files: tiktoken.model and K2.5's
/// tokenizer_config.json) on the prompts our templates render, against the independent BPE of
/// tests/crosscheck/tiktoken_reference.py: the same ids, so usage.prompt_tokens is the count
/// Moonshot's tokenizer gives. Includes runs over 25,000 characters next to special tokens and a
/// text past the 400,000-character window.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class RealTokenizerCrossCheckTests
{
    private static string TokenizerDirectory => Path.GetDirectoryName(SharedFiles.Require("kimi-files", "kimi-vendor-verifier-beam-tokenizer", "tiktoken.model"))!;

    private static IEnumerable<string> LongRuns()
    {
        yield return "<|im_user|>user<|im_middle|>" + new string(' ', 30_000) + "<|im_end|>";
        yield return "<|im_user|>user<|im_middle|>" + string.Concat(Enumerable.Repeat("word,", 6_000)) + "<|im_end|><|im_assistant|>assistant<|im_middle|><think>";
        // Split on the special token first, neither side is a run past 25,000; cut first, it would be.
        yield return new string('a', 24_995) + "<|im_end|>" + new string('b', 100);
        yield return string.Concat(Enumerable.Repeat("x y ", 10_000)) + new string('\n', 26_000) + string.Concat(Enumerable.Repeat("日本", 13_000)) + "<|im_end|>";
        yield return string.Concat(Enumerable.Repeat("ab😀 ", 105_000)) + "<|im_end|>";
    }

    [Fact]
    public async Task Encode_GivesTheReferenceIds_OnRenderedPromptsAndLongRuns()
    {
        if (await PythonReference.RequireAsync() is not { } python)
            return;
        var tokenizer = KimiTokenizer.Load(TokenizerDirectory);
        var texts = CrossCheckConversations.Sample(300)
            .Select(c => KimiChatTemplate.Render(c.Messages, c.Options))
            .Concat(LongRuns())
            .ToList();
        var specials = new JsonObject();
        foreach (var (content, id) in tokenizer.SpecialTokens)
            specials[content] = id;
        var request = new JsonObject
        {
            ["model"] = Path.Combine(TokenizerDirectory, TiktokenFiles.ModelFileName),
            ["special_tokens"] = specials,
            ["encode"] = new JsonArray([.. texts.Select(t => (JsonNode)new JsonObject { ["text"] = t, ["allow_special"] = true })]),
        };

        var reply = await PythonReference.RunAsync(python, request);

        for (int i = 0; i < texts.Count; i++)
        {
            int[] expected = [.. reply["encode"]![i]!.AsArray().Select(n => (int)n!)];
            int[] actual = [.. tokenizer.Encode(texts[i], allowSpecialTokens: true)];
            int first = expected.Zip(actual).TakeWhile(p => p.First == p.Second).Count();
            Assert.True(expected.SequenceEqual(actual),
                $"text {i} ({texts[i].Length} chars, starting {System.Text.Json.JsonSerializer.Serialize(texts[i][..Math.Min(80, texts[i].Length)])}): "
                + $"{expected.Length} reference ids, {actual.Length} ours, first difference at {first}");
        }
    }
}
