using Kimi.Cluster.Constraints;
using Kimi.Cluster.Constraints.Tests.Support;

namespace Kimi.Cluster.Constraints.Tests.Masks;

/// <summary>
/// Masks are exact: along random walks, a token is in Allowed() exactly when feeding its bytes (or
/// the special token itself) is taken, checked by brute force over the whole vocabulary.
/// </summary>
public sealed class MaskExactnessTests
{
    [Theory]
    [MemberData(nameof(HandSchemas.Names), MemberType = typeof(HandSchemas))]
    public void Allowed_MatchesFeedingEveryToken_AtEveryStateOfTinyWalks(string name)
    {
        string schema = HandSchemas.Schema(name);
        for (int seed = 0; seed < 4; seed++)
        {
            var vocabulary = TinyVocabulary.Instance;
            var cursor = Cursors.Start(schema, vocabulary, TinyVocabulary.EndTokens);
            int step = 0;
            new RandomWalker(vocabulary, seed) { CloseAfter = 25, Label = name, Visit = c => BruteForce.AssertMaskIsExact(c, vocabulary, $"{name} seed {seed} step {step++}") }
                .Walk(cursor, TinyVocabulary.EndTokens);
        }
    }

    [Fact]
    public void Allowed_MatchesFeedingEveryToken_AtEveryStateOfATinyToolCall()
    {
        var vocabulary = TinyVocabulary.Instance;
        var cursor = ConstraintCursor.Start(CompiledConstraint.Compile(ToolCalls.TinyConstraint(), vocabulary), TinyVocabulary.EndTokens);
        int step = 0;
        new RandomWalker(vocabulary, 3) { CloseAfter = 20, Visit = c => BruteForce.AssertMaskIsExact(c, vocabulary, $"tool call step {step++}") }
            .Walk(cursor, TinyVocabulary.EndTokens);
    }

    [Theory]
    [InlineData("string lengths")]
    [InlineData("ranges")]
    [InlineData("enums with shared prefixes")]
    [InlineData("recursive tree")]
    public void Allowed_MatchesFeedingEveryToken_OnSampledStatesOfRealWalks(string name)
    {
        string schema = HandSchemas.Schema(name);
        var vocabulary = RealVocabulary.Instance;
        var cursor = Cursors.Start(schema, vocabulary, RealVocabulary.EndTokens);
        int step = 0;
        new RandomWalker(vocabulary, 5) { CloseAfter = 10, Label = name, Visit = c => Sample(c, vocabulary, $"{name} step {step}", step++) }
            .Walk(cursor, RealVocabulary.EndTokens);
    }

    [Fact]
    public void Allowed_MatchesFeedingEveryToken_InAStringFarBelowItsMaxLength()
    {
        var vocabulary = RealVocabulary.Instance;
        var compiled = Cursors.Json(Cursors.Grammar("""{"type":"string","minLength":300,"maxLength":600}"""), vocabulary);
        var cursor = ConstraintCursor.Start(compiled, RealVocabulary.EndTokens);
        int letters = Enumerable.Range(0, vocabulary.Count).First(id => vocabulary.TokenBytes(id) is { Length: 8 } b && b.All(x => char.IsAsciiLetterLower((char)x)));
        cursor.Accept(Enumerable.Range(0, vocabulary.Count).First(id => vocabulary.TokenBytes(id) is [(byte)'"']));
        for (int i = 0; i <= 70; i++)
        {
            if (i % 10 == 0)
                BruteForce.AssertMaskIsExact(cursor, vocabulary, $"after {i * 8} letters");
            cursor.Accept(letters);
        }
    }

    private static void Sample(ConstraintCursor cursor, TokenVocabulary vocabulary, string label, int step)
    {
        if (step % 4 == 0 && step < 40)
            BruteForce.AssertMaskIsExact(cursor, vocabulary, label);
    }
}
