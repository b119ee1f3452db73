using System.Text.Json.Nodes;
using FsCheck.Fluent;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Text.Tests.Tokenization;

/// <summary>
/// The tokenizer against tests/crosscheck/tiktoken_reference.py, written from the algorithm with
/// the original pattern in Python's regex module: same pieces, same ids, same decoded text.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class PythonCrossCheckTests
{
    private static readonly string[] Texts =
    [
        .. MixedScriptText.Fixed, .. MixedScriptText.Random.Sample(200, 100), .. MixedScriptText.RandomCodePoints.Sample(100, 100),
        $"[BOS]<|reserved_token_{TestVocabulary.RankCount + 50}|>x<|reserved_token_{TestVocabulary.RankCount + 49}|>",
    ];

    [Fact]
    public async Task PreTokenizer_SplitsAsThePythonPattern()
    {
        if (await PythonReference.RequireAsync() is not { } python)
            return;
        var reply = await PythonReference.RunAsync(python, Request(new JsonObject { ["pretokenize"] = Array(Texts) }));
        for (int i = 0; i < Texts.Length; i++)
        {
            // A text with a code point Python's (older) Unicode has not assigned would compare Unicode versions, not code.
            if (!(bool)reply["known"]![i]!)
                continue;
            var expected = reply["pretokenize"]![i]!.AsArray().Select(p => (string)p!).ToList();
            var actual = KimiPreTokenizer.Split(Texts[i]).Select(p => Texts[i].Substring(p.Offset, p.Length)).ToList();
            Assert.True(expected.SequenceEqual(actual), $"{Escape(Texts[i])}: python [{string.Join("|", expected.Select(Escape))}] C# [{string.Join("|", actual.Select(Escape))}]");
        }
    }

    [Fact]
    public async Task Encode_GivesThePythonIds_WithAndWithoutSpecialTokens()
    {
        if (await PythonReference.RequireAsync() is not { } python)
            return;
        var cases = Texts.SelectMany(t => new[] { (t, true), (t, false) }).ToArray();
        var encode = new JsonArray([.. cases.Select(c => (JsonNode)new JsonObject { ["text"] = c.Item1, ["allow_special"] = c.Item2 })]);
        var reply = await PythonReference.RunAsync(python, Request(new JsonObject { ["encode"] = encode }));
        for (int i = 0; i < cases.Length; i++)
        {
            if (!(bool)reply["encode_known"]![i]!)
                continue;
            var expected = reply["encode"]![i]!.AsArray().Select(id => (int)id!).ToList();
            var actual = TestVocabulary.Tokenizer.Encode(cases[i].Item1, cases[i].Item2);
            Assert.True(expected.SequenceEqual(actual), $"{Escape(cases[i].Item1)} (specials {cases[i].Item2}): python [{string.Join(",", expected)}] C# [{string.Join(",", actual)}]");
        }
    }

    [Fact]
    public async Task Decode_GivesThePythonText_IncludingInvalidUtf8()
    {
        if (await PythonReference.RequireAsync() is not { } python)
            return;
        var tokenizer = TestVocabulary.Tokenizer;
        var ids = Gen.Choose(0, TestVocabulary.RankCount + TinyTokenizer.NamedSpecialTokens.Count - 1).ListOf()
            .Sample(12, 200).Select(list => list.ToArray()).Append([.. Enumerable.Range(128, 128)]).ToArray();
        var decode = new JsonArray([.. ids.Select(list => (JsonNode)new JsonArray([.. list.Select(id => (JsonNode)id)]))]);
        var reply = await PythonReference.RunAsync(python, Request(new JsonObject { ["decode"] = decode }));
        for (int i = 0; i < ids.Length; i++)
            Assert.Equal((string)reply["decode"]![i]!, tokenizer.Decode(ids[i], skipSpecialTokens: false));
    }

    private static JsonObject Request(JsonObject request)
    {
        request["model"] = Path.Combine(TestVocabulary.Directory, TiktokenFiles.ModelFileName);
        var specials = new JsonObject();
        foreach (var (content, id) in TestVocabulary.Specials)
            specials[content] = id;
        request["special_tokens"] = specials;
        return request;
    }

    private static JsonArray Array(IEnumerable<string> texts) => new([.. texts.Select(t => (JsonNode)t)]);

    private static string Escape(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
