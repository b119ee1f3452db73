using System.Text;
using System.Text.RegularExpressions;
using Kimi.Cluster.Constraints;
using Kimi.Cluster.Constraints.Tests.Support;

namespace Kimi.Cluster.Constraints.Tests.Schemas;

/// <summary>
/// The <c>pattern</c> keyword: the grammar's reading of a pattern is a subset of both regex
/// dialects a validator may use (.NET's and ECMAScript's) and equals ECMAScript's on ASCII text;
/// patterned strings combine with minLength and maxLength without dead ends; what cannot be made
/// exact is refused with the reason.
/// </summary>
public sealed class PatternTests
{
    private static readonly string[] Patterns =
    [
        "^[a-z]+$", "^[0-9]{5}(-[0-9]{4})?$", "x", "", "^", "$", "a|^b|c$", "^(ab)*$", "^a{2,3}b?$", "^\\d+\\.\\d{2}$",
        "^[^abc]*$", "^[^\\d]+$", "\\D\\W\\S", "^\\w+@\\w+\\.com$", "^.{3}$", "^(?:foo|bar)+$", "^(?<year>\\d{4})-\\d\\d$", "[.!?]$",
        "^\\s*$", "^[\\-+]?[0-9]*$", "^[a-]+$", "^\\x41\\u00e9+$", "^é+$", "^[^\\x00-\\x7f]+$", "a{2,}", "^(a|ab)(c|bcd)(d*)$",
        "^[\\]\\[]+$", "^a{,2}$", "^}{$", "^a+?$", "^(|a)b$", "^[\\b]$", "ba*$",
    ];

    private const string Alphabet = "abcdx019-+.!?@ _[]{}\\\"\n\r\té😀ü中\u2028\u00a0AZ";

    [Fact]
    public void Matches_IsASubsetOfDotNetAndEcmaScriptRegexes_AndEqualsEcmaScriptOnAscii()
    {
        var random = new Random(7);
        foreach (string pattern in Patterns)
        {
            var automaton = PatternAutomaton.Build(PatternParser.Parse(pattern));
            var dotNet = new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
            Regex? ecma = pattern.Contains("(?<", StringComparison.Ordinal) ? null : new Regex(pattern, RegexOptions.ECMAScript, TimeSpan.FromSeconds(1));
            foreach (string text in Samples(pattern, random))
            {
                bool ours = automaton.Matches(text);
                if (ours)
                {
                    Assert.True(dotNet.IsMatch(text), $"{pattern} on {Show(text)}: ours matches, .NET does not");
                    Assert.True(ecma?.IsMatch(text) ?? true, $"{pattern} on {Show(text)}: ours matches, ECMAScript does not");
                }
                // .NET's ECMAScript option keeps two .NET readings: '$' also matches before a final
                // \n, and '.' matches \r. Ours follows ECMAScript there (and stays a subset of .NET).
                if (ecma is not null && text.All(char.IsAscii) && !text.EndsWith('\n') && !text.Contains('\r'))
                    Assert.True(ours == ecma.IsMatch(text), $"{pattern} on {Show(text)}: ours {ours}, ECMAScript {!ours}");
            }
        }
    }

    private static IEnumerable<string> Samples(string pattern, Random random)
    {
        yield return "";
        // Pieces of the pattern itself make matches likely; random text finds the rest.
        string literal = new(pattern.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '@' or 'é').ToArray());
        for (int i = 0; i < 1500; i++)
        {
            var text = new StringBuilder();
            int length = random.Next(0, 9);
            for (int j = 0; j < length; j++)
            {
                if (literal.Length > 0 && random.Next(3) == 0)
                    text.Append(literal[random.Next(literal.Length)]);
                else
                    text.Append(char.ConvertFromUtf32(char.ConvertToUtf32(Alphabet, PickIndex(random))));
            }
            yield return text.ToString();
        }
    }

    private static int PickIndex(Random random)
    {
        int index = random.Next(Alphabet.Length);
        return char.IsLowSurrogate(Alphabet[index]) ? index - 1 : index;
    }

    private static string Show(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    [Theory]
    [InlineData("\"abc\"", true)]
    [InlineData("\"ab1\"", false)]
    [InlineData("\"\"", false)]
    [InlineData("\"\\u0061\"", false)] // patterned strings are written without \u escapes
    public void Cursor_FollowsThePattern_InAString(string text, bool accepted) =>
        Assert.Equal(accepted, Cursors.AcceptsWhole("""{"type":"string","pattern":"^[a-z]+$"}""", text));

    [Fact]
    public void Cursor_DecodesShortEscapes_BeforeThePatternSeesThem()
    {
        const string schema = """{"type":"string","pattern":"^[\"\\\\\n]+$"}""";
        Assert.True(Cursors.AcceptsWhole(schema, "\"\\\"\\\\\\n\""));
        Assert.False(Cursors.AcceptsWhole(schema, "\"\\t\""));
    }

    [Fact]
    public void Cursor_NeverLeavesOnlyLengthsThePatternCannotHave()
    {
        // Only "abab" and "ababab" satisfy both the pattern and lengths 3 to 7.
        const string schema = """{"type":"string","pattern":"^(ab)*$","minLength":3,"maxLength":7}""";
        var cursor = Cursors.ForSchema(schema);
        Assert.Equal(3, Cursors.FeedBytes(cursor, "\"ab\""));
        Assert.True(Cursors.AcceptsWhole(schema, "\"abab\""));
        Assert.True(Cursors.AcceptsWhole(schema, "\"ababab\""));
        cursor = Cursors.ForSchema(schema);
        Assert.Equal(7, Cursors.FeedBytes(cursor, "\"abababa"));
    }

    [Fact]
    public void Cursor_CountsCharactersNotBytes_AgainstMaxLength()
    {
        const string schema = """{"type":"string","pattern":"^é+$","maxLength":2}""";
        Assert.True(Cursors.AcceptsWhole(schema, "\"éé\""));
        Assert.False(Cursors.AcceptsWhole(schema, "\"ééé\""));
    }

    [Fact]
    public void Compile_DropsEnumValues_ThePatternRefuses()
    {
        const string schema = """{"type":"string","enum":["ab","b"],"pattern":"^a"}""";
        Assert.True(Cursors.AcceptsWhole(schema, "\"ab\""));
        Assert.False(Cursors.AcceptsWhole(schema, "\"b\""));
    }

    [Theory]
    [InlineData("(?=a)", "look-around")]
    [InlineData("(?i)a", "inline flags")]
    [InlineData("a\\b", "word-boundary")]
    [InlineData("(a)\\1", "back references")]
    [InlineData("\\p{L}", "Unicode property")]
    [InlineData("\\e", "means different things")]
    [InlineData("[a-z-[aeiou]]", "subtraction")]
    [InlineData("[]a]", "']' first")]
    [InlineData("(^a)", "'^' and '$'")]
    [InlineData("a$b", "'^' and '$'")]
    [InlineData("a**", "quantifier follows a quantifier")]
    [InlineData("*a", "nothing to repeat")]
    [InlineData("(a", "not closed")]
    [InlineData("a)", "unbalanced")]
    [InlineData("a{1001}", "repeat counts above 1000")]
    [InlineData("😀", "beyond the Basic Multilingual Plane")]
    [InlineData("(a|b)*a(a|b){14}", "more than 4000 states")]
    public void Compile_RefusesPatterns_ItCannotMakeExact(string pattern, string reason)
    {
        string schema = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["type"] = "string", ["pattern"] = pattern });
        var error = Assert.Throws<UnsupportedSchemaException>(() => Cursors.Grammar(schema));
        Assert.Equal(("pattern", "#"), (error.Keyword, error.SchemaPath));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
