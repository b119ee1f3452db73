using System.Text;
using System.Text.Json;
using Kimi.Cluster.Constraints;

namespace Kimi.Cluster.Constraints.Tests.Support;

/// <summary>Short ways to build cursors and feed them text in tests.</summary>
internal static class Cursors
{
    public static JsonGrammar Grammar(string schema, JsonGrammarOptions? options = null)
    {
        using var document = JsonDocument.Parse(schema);
        return JsonGrammar.Compile(document.RootElement, options ?? JsonGrammarOptions.Default);
    }

    public static CompiledConstraint Json(JsonGrammar grammar, TokenVocabulary vocabulary) =>
        CompiledConstraint.Compile(new OutputConstraint([new JsonValue(grammar)]), vocabulary);

    public static ConstraintCursor Start(string schema, TokenVocabulary vocabulary, IReadOnlyCollection<int> endTokens) =>
        ConstraintCursor.Start(Json(Grammar(schema), vocabulary), endTokens);

    /// <summary>A tiny-vocabulary cursor that must produce one value of <paramref name="schema"/>.</summary>
    public static ConstraintCursor ForSchema(string schema, JsonGrammarOptions? options = null) =>
        ConstraintCursor.Start(Json(Grammar(schema, options), TinyVocabulary.Instance), TinyVocabulary.EndTokens);

    /// <summary>
    /// Feeds <paramref name="text"/> one byte token at a time; returns how many bytes were taken
    /// before the first refused one (the whole length when all were taken).
    /// </summary>
    public static int FeedBytes(ConstraintCursor cursor, string text) => FeedBytes(cursor, Encoding.UTF8.GetBytes(text));

    public static int FeedBytes(ConstraintCursor cursor, byte[] bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (!cursor.Allowed().Contains(bytes[i]))
            {
                Assert.False(cursor.TryAccept(bytes[i]), $"byte {i} is outside the mask but accepted");
                return i;
            }
            Assert.True(cursor.TryAccept(bytes[i]), $"byte {i} is in the mask but refused");
        }
        return bytes.Length;
    }

    /// <summary>True when the whole text is taken and the output may end right after it.</summary>
    public static bool AcceptsWhole(string schema, string text, JsonGrammarOptions? options = null)
    {
        var cursor = ForSchema(schema, options);
        return FeedBytes(cursor, text) == Encoding.UTF8.GetByteCount(text) && cursor.CanEnd;
    }
}
