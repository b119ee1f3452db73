using System.Text;
using Kimi.Cluster.Constraints;
using Kimi.Cluster.Constraints.Tests.Support;

namespace Kimi.Cluster.Constraints.Tests.Steps;

/// <summary>
/// Step sequences shaped like a forced tool call: free reasoning until &lt;/think&gt;, the section
/// and call markers, the function name as literal text shared by several tools (OneOf), the JSON
/// arguments of the chosen tool, and end tokens only after the last step.
/// </summary>
public sealed class ToolCallStepTests
{
    private static readonly TokenVocabulary Tiny = TinyVocabulary.Instance;

    private static ConstraintCursor Start() =>
        ConstraintCursor.Start(CompiledConstraint.Compile(ToolCalls.TinyConstraint(), Tiny), TinyVocabulary.EndTokens);

    [Fact]
    public void Allowed_IsEveryTextTokenAndTheEndOfThinking_DuringReasoning()
    {
        var cursor = Start();
        Cursors.FeedBytes(cursor, "Let me think. {\"not\": json");
        var allowed = cursor.Allowed();
        Assert.False(allowed.AllowsEnd);
        Assert.Equal(Enumerable.Range(0, Tiny.Count).Where(id => !Tiny.IsSpecial(id) || id == TinyVocabulary.ThinkEnd), allowed.Ids());
        // A call marker inside reasoning would open a call the parsers read but nothing checked.
        var error = Assert.Throws<InvalidOperationException>(() => cursor.Accept(TinyVocabulary.CallBegin));
        Assert.Contains(TinyVocabulary.CallBegin.ToString(), error.Message);
        Assert.Throws<InvalidOperationException>(() => cursor.Accept(TinyVocabulary.Eos));
    }

    [Fact]
    public void Accept_FollowsTheSharedPrefix_ThenOnlyTheChosenTool()
    {
        var cursor = Start();
        cursor.Accept(TinyVocabulary.ThinkEnd);
        Assert.Equal([TinyVocabulary.SectionBegin], cursor.Allowed().Ids());
        cursor.Accept(TinyVocabulary.SectionBegin);
        Assert.Equal([TinyVocabulary.CallBegin], cursor.Allowed().Ids());
        cursor.Accept(TinyVocabulary.CallBegin);
        cursor.Accept(PieceId("functions."));
        cursor.Accept(PieceId("get_"));
        var shared = cursor.Allowed();
        Assert.True(shared.Contains('w') && shared.Contains('t') && shared.Contains(PieceId("weather:0")) && !shared.Contains(PieceId("_time")));
        Assert.Equal(9, Cursors.FeedBytes(cursor, "weather:0"));
        Assert.Equal([TinyVocabulary.ArgumentBegin], cursor.Allowed().Ids());
        cursor.Accept(TinyVocabulary.ArgumentBegin);
        Assert.False(cursor.Allowed().Contains('}')); // city is required
        Assert.Equal(16, Cursors.FeedBytes(cursor, "{\"city\":\"Paris\"}"));
        Assert.Equal([TinyVocabulary.CallEnd], cursor.Allowed().Ids());
        cursor.Accept(TinyVocabulary.CallEnd);
        Assert.False(cursor.CanEnd);
        cursor.Accept(TinyVocabulary.SectionEnd);
        Assert.True(cursor.IsComplete);
        Assert.Equal([TinyVocabulary.Eos], cursor.Allowed().Ids());
        cursor.Accept(TinyVocabulary.Eos);
        Assert.True(cursor.IsEnded);
        Assert.Equal(0, cursor.Allowed().Count);
    }

    [Fact]
    public void Accept_RefusesTheOtherToolsArguments_OnceTheNameIsChosen()
    {
        var cursor = Start();
        foreach (int special in new[] { TinyVocabulary.ThinkEnd, TinyVocabulary.SectionBegin, TinyVocabulary.CallBegin })
            cursor.Accept(special);
        Cursors.FeedBytes(cursor, "functions.get_time:0");
        cursor.Accept(TinyVocabulary.ArgumentBegin);
        Assert.Equal(2, Cursors.FeedBytes(cursor.Fork(), "{\"city\":1}"));
        Assert.Equal(2, Cursors.FeedBytes(cursor, "{}"));
        Assert.True(cursor.Allowed().Contains(TinyVocabulary.CallEnd));
    }

    [Fact]
    public void Tokens_CrossLiteralAndJsonBoundaries()
    {
        var constraint = new OutputConstraint([new LiteralText("functions"), new LiteralText(".get_"), new LiteralText("["), new JsonValue(JsonGrammar.AnyObject), new LiteralText("]")]);
        var cursor = ConstraintCursor.Start(CompiledConstraint.Compile(constraint, Tiny), TinyVocabulary.EndTokens);
        Assert.True(cursor.TryAccept(PieceId("functions.")));
        Assert.True(cursor.TryAccept(PieceId("get_")));
        Assert.True(cursor.TryAccept(PieceId("[{")));
        Assert.True(cursor.TryAccept(PieceId("}]")));
        Assert.True(cursor.IsComplete);
    }

    [Fact]
    public void NumberAtTheEndOfJson_BothContinuesAndEnds()
    {
        var grammar = Cursors.Grammar("""{"type":"integer"}""");
        var constraint = new OutputConstraint([new JsonValue(grammar), new LiteralText("3"), new SpecialToken(TinyVocabulary.CallEnd)]);
        var cursor = ConstraintCursor.Start(CompiledConstraint.Compile(constraint, Tiny), TinyVocabulary.EndTokens);
        cursor.Accept(PieceId("12"));
        Assert.False(cursor.Allowed().Contains(TinyVocabulary.CallEnd));
        cursor.Accept('3'); // "123" continuing, or "12" then the literal "3"
        var allowed = cursor.Allowed();
        Assert.True(allowed.Contains('4') && allowed.Contains('3') && allowed.Contains(TinyVocabulary.CallEnd));
        cursor.Accept(TinyVocabulary.CallEnd);
        Assert.True(cursor.IsComplete);
    }

    [Fact]
    public void EndTokens_MayComeOnlyAtTheEnd_OfAJsonObjectMode()
    {
        var cursor = ConstraintCursor.Start(Cursors.Json(JsonGrammar.AnyObject, Tiny), TinyVocabulary.EndTokens);
        Assert.False(cursor.Allowed().Contains(TinyVocabulary.Eos));
        Cursors.FeedBytes(cursor, "{\"a\":[1,{}]");
        Assert.False(cursor.CanEnd);
        Cursors.FeedBytes(cursor, "}");
        Assert.True(cursor.IsComplete && cursor.Allowed().AllowsEnd);
        Assert.Equal(1, cursor.Allowed().Count);
    }

    [Fact]
    public void Compile_RefusesASpecialStepWithAByteToken_AndStartRefusesAStepTokenAsEnd()
    {
        Assert.Throws<ArgumentException>(() => CompiledConstraint.Compile(new OutputConstraint([new SpecialToken('a')]), Tiny));
        var compiled = CompiledConstraint.Compile(ToolCalls.TinyConstraint(), Tiny);
        Assert.Throws<ArgumentException>(() => ConstraintCursor.Start(compiled, [TinyVocabulary.CallEnd]));
    }

    [Fact]
    public void RandomWalks_ThroughRealToolCalls_EndWithValidArguments()
    {
        var vocabulary = RealVocabulary.Instance;
        var compiled = CompiledConstraint.Compile(ToolCalls.RealConstraint(), vocabulary);
        for (int seed = 0; seed < 6; seed++)
        {
            var (_, tokens) = new RandomWalker(vocabulary, seed) { CloseAfter = 15 }.Walk(ConstraintCursor.Start(compiled, RealVocabulary.EndTokens), RealVocabulary.EndTokens);
            string text = RealVocabulary.Tokenizer.Decode(tokens, skipSpecialTokens: false);
            var match = System.Text.RegularExpressions.Regex.Match(text,
                @"</think><\|tool_calls_section_begin\|><\|tool_call_begin\|>functions\.(get_weather|get_time):0<\|tool_call_argument_begin\|>(.*)<\|tool_call_end\|><\|tool_calls_section_end\|>\[EOS\]$",
                System.Text.RegularExpressions.RegexOptions.Singleline);
            Assert.True(match.Success, text);
            string schema = match.Groups[1].Value == "get_weather" ? ToolCalls.WeatherSchema : ToolCalls.TimeSchema;
            Assert.Null(SchemaValidator.Problem(schema, Encoding.UTF8.GetBytes(match.Groups[2].Value)));
        }
    }

    private static int PieceId(string piece)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(piece);
        return Enumerable.Range(256, Tiny.Count - 256).First(id => Tiny.TokenBytes(id) is { } b && b.AsSpan().SequenceEqual(bytes));
    }
}
