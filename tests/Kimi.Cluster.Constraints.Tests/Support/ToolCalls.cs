using Kimi.Cluster.Constraints;

namespace Kimi.Cluster.Constraints.Tests.Support;

/// <summary>Constraints shaped like Kimi's forced tool calls: reasoning, then one of several tools with its arguments.</summary>
internal static class ToolCalls
{
    public const string WeatherSchema = """
        {"type":"object","properties":{"city":{"type":"string","minLength":1},"unit":{"enum":["celsius","fahrenheit"]}},"required":["city"],"additionalProperties":false}
        """;

    public const string TimeSchema = """{"type":"object","properties":{"zone":{"type":"string","maxLength":12}},"additionalProperties":false}""";

    public static OutputConstraint TinyConstraint() => Constraint(
        TinyVocabulary.ThinkEnd, TinyVocabulary.SectionBegin, TinyVocabulary.CallBegin, TinyVocabulary.ArgumentBegin,
        TinyVocabulary.CallEnd, TinyVocabulary.SectionEnd);

    public static OutputConstraint RealConstraint() => Constraint(
        RealVocabulary.Id("</think>"), RealVocabulary.Id("<|tool_calls_section_begin|>"), RealVocabulary.Id("<|tool_call_begin|>"),
        RealVocabulary.Id("<|tool_call_argument_begin|>"), RealVocabulary.Id("<|tool_call_end|>"), RealVocabulary.Id("<|tool_calls_section_end|>"));

    private static OutputConstraint Constraint(int thinkEnd, int sectionBegin, int callBegin, int argumentBegin, int callEnd, int sectionEnd)
    {
        List<ConstraintStep> Call(string name, string schema) =>
        [
            new SpecialToken(callBegin), new LiteralText($"functions.{name}:0"), new SpecialToken(argumentBegin),
            new JsonValue(Cursors.Grammar(schema)), new SpecialToken(callEnd),
        ];
        return new OutputConstraint(
        [
            new FreeTextUntil(thinkEnd),
            new SpecialToken(sectionBegin),
            new OneOf([Call("get_weather", WeatherSchema), Call("get_time", TimeSchema)]),
            new SpecialToken(sectionEnd),
        ]);
    }
}
