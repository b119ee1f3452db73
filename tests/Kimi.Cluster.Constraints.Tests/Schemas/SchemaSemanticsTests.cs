using System.Globalization;
using System.Text;
using Kimi.Cluster.Constraints.Tests.Support;

namespace Kimi.Cluster.Constraints.Tests.Schemas;

/// <summary>
/// What the compiled grammar admits of particular schemas: properties in declared order, required
/// ones not skipped, enum values that prefix each other, string lengths counted as the validator
/// counts them, and number bounds exact to the last digit (checked against JsonSchema.Net).
/// </summary>
public sealed class SchemaSemanticsTests
{
    private const string Ordered = """
        {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},"c":{"type":"boolean"}},"required":["b"],"additionalProperties":false}
        """;

    [Theory]
    [InlineData("{\"b\":\"x\"}", true)]
    [InlineData("{\"a\":1,\"b\":\"x\",\"c\":true}", true)]
    [InlineData("{\"a\":1,\"b\":\"x\"}", true)]
    [InlineData("{\"b\":\"x\",\"c\":false}", true)]
    [InlineData("{\"b\":\"x\",\"a\":1}", false)] // out of declared order
    [InlineData("{\"a\":1}", false)] // b is required
    [InlineData("{\"a\":1,\"c\":true}", false)] // b may not be skipped
    [InlineData("{\"b\":\"x\",\"b\":\"y\"}", false)]
    [InlineData("{\"b\":\"x\",\"d\":1}", false)]
    [InlineData("{}", false)]
    public void DeclaredProperties_ComeInOrder_AndRequiredOnesAreNotSkipped(string document, bool admitted)
    {
        Assert.Equal(admitted, Cursors.AcceptsWhole(Ordered, document));
    }

    [Fact]
    public void Enums_WhoseValuesPrefixEachOther_KeepBothOpen()
    {
        const string schema = """{"type":"object","properties":{"v":{"enum":["red","reddish",1,12]}},"required":["v"]}""";
        var cursor = Cursors.ForSchema(schema);
        Cursors.FeedBytes(cursor, "{\"v\":\"red");
        Assert.True(cursor.Allowed().Contains('"') && cursor.Allowed().Contains('d'));
        Assert.False(cursor.Allowed().Contains('x'));
        Assert.True(Cursors.AcceptsWhole(schema, "{\"v\":1}"));
        Assert.True(Cursors.AcceptsWhole(schema, "{\"v\":12}"));
        Assert.False(Cursors.AcceptsWhole(schema, "{\"v\":123}"));
        Assert.False(Cursors.AcceptsWhole(schema, "{\"v\":\"re\"}"));
    }

    [Theory]
    [InlineData("\"ab\"", true)]
    [InlineData("\"a\"", false)]
    [InlineData("\"é\"", false)] // é alone may not count as a character: it could combine
    [InlineData("\"éab\"", true)]
    [InlineData("\"\\n\\t\"", true)]
    [InlineData("\"\\r\\n\"", false)] // one cluster
    [InlineData("\"😀😀ab\"", true)]
    [InlineData("\"😀😀😀\"", false)] // neither may count toward minLength (they could join)
    [InlineData("\"abcd\"", true)]
    [InlineData("\"abcde\"", false)]
    [InlineData("\"\\u0041b\"", false)] // \u escapes are not counted toward minLength
    public void StringLengths_AreCountedSafely_ForTheValidatorsGraphemeCount(string document, bool admitted)
    {
        const string schema = """{"type":"string","minLength":2,"maxLength":4}""";
        Assert.Equal(admitted, Cursors.AcceptsWhole(schema, document));
        if (admitted)
            Assert.Null(SchemaValidator.Problem(schema, Encoding.UTF8.GetBytes(document)));
    }

    [Theory]
    [InlineData("""{"type":"integer","minimum":-3,"maximum":3}""")]
    [InlineData("""{"type":"number","exclusiveMinimum":0.5,"exclusiveMaximum":0.75}""")]
    [InlineData("""{"type":"number","minimum":-10.5111111,"maximum":20.333333333}""")]
    [InlineData("""{"type":"integer","maximum":10000000000000000}""")]
    [InlineData("""{"type":"number","maximum":-1e-3}""")]
    [InlineData("""{"type":"integer","exclusiveMinimum":-100,"maximum":0}""")]
    public void NumberBounds_AdmitExactlyWhatTheValidatorAccepts(string schema)
    {
        foreach (string number in Candidates(new Random(schema.Length)))
        {
            bool admitted = Cursors.AcceptsWhole(schema, number);
            bool valid = SchemaValidator.Problem(schema, Encoding.UTF8.GetBytes(number)) is null;
            bool inSubset = !number.Contains('e') && number.Length <= 32 && (valid || !admitted);
            if (schema.Contains("integer", StringComparison.Ordinal))
                inSubset &= !number.Contains('.');
            if (inSubset)
                Assert.True(admitted == valid, $"{number}: admitted {admitted}, valid {valid}");
            else
                Assert.False(admitted && !valid, $"{number} is admitted but invalid");
        }
    }

    [Fact]
    public void LongStrings_AddNoStates_AndFarLengthLimitsShareOneMask()
    {
        var vocabulary = TinyVocabulary.Instance;
        var free = Cursors.Json(Cursors.Grammar("""{"type":"object","properties":{"s":{"type":"string"}}}"""), vocabulary);
        var bounded = Cursors.Json(Cursors.Grammar("""{"type":"object","properties":{"s":{"type":"string","maxLength":5000000}}}"""), vocabulary);
        foreach (var compiled in new[] { free, bounded })
        {
            var cursor = ConstraintCursor.Start(compiled, TinyVocabulary.EndTokens);
            Cursors.FeedBytes(cursor, "{\"s\":\"");
            var mask = cursor.Allowed();
            for (int i = 0; i < 3000; i++)
                cursor.Accept('x');
            Assert.Same(mask, cursor.Allowed());
            Assert.InRange(compiled.CachedStates(TinyVocabulary.EndTokens), 1, 12);
        }
    }

    private static IEnumerable<string> Candidates(Random random)
    {
        string[] fixedOnes = ["0", "-0", "3", "-3", "4", "-4", "0.5", "0.50", "0.5000001", "0.75", "0.7499999999999999999999", "0.6", "1",
            "-10.5111111", "-10.51111110", "-10.51111111", "20.333333333", "20.3333333330000", "20.3333333331", "10000000000000000",
            "10000000000000001", "9999999999999999", "-0.001", "-0.0010", "-0.00099", "-0.0011", "-100", "-99", "1e2", "0.0"];
        foreach (string number in fixedOnes)
            yield return number;
        for (int i = 0; i < 300; i++)
        {
            string whole = random.Next(4) switch { 0 => "0", 1 => random.Next(10).ToString(CultureInfo.InvariantCulture), 2 => random.Next(200).ToString(CultureInfo.InvariantCulture), _ => random.NextInt64(100_000_000_000_000_000).ToString(CultureInfo.InvariantCulture) };
            string fraction = random.Next(2) == 0 ? "" : "." + string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => random.Next(10)));
            yield return (random.Next(2) == 0 ? "-" : "") + whole + fraction;
        }
    }
}
