using System.Text.Json.Nodes;
using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

public sealed class PythonJsonTests
{
    [Theory]
    [InlineData("1", "1")]
    [InlineData("-0", "0")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    [InlineData("1.0", "1.0")]
    [InlineData("1.50", "1.5")]
    [InlineData("0.00001", "1e-05")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("1e20", "1e+20")]
    [InlineData("1E16", "1e+16")]
    [InlineData("1e15", "1000000000000000.0")]
    [InlineData("123.456e5", "12345600.0")]
    [InlineData("-2.5e-7", "-2.5e-07")]
    [InlineData("0.1", "0.1")]
    [InlineData("-0.0", "-0.0")]
    [InlineData("1e400", "Infinity")]
    [InlineData("1.7976931348623157e308", "1.7976931348623157e+308")]
    public void FormatNumber_PrintsWhatPythonPrintsAfterJsonLoads(string literal, string expected) =>
        Assert.Equal(expected, PythonJson.FormatNumber(literal));

    [Fact]
    public void Serialize_KeepsKeyOrderAndNonAsciiRawAndEscapesControlCharacters()
    {
        var node = JsonNode.Parse("""{"z":"naïve 日本 😀","a":"q\"b\\s/\n\r\t\b\f\u0001\u007f","n":[1,2.0,true,null,{}]}""");

        Assert.Equal(
            "{\"z\": \"naïve 日本 😀\", \"a\": \"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\u007f\", \"n\": [1, 2.0, true, null, {}]}",
            PythonJson.Serialize(node, PythonJson.DefaultSeparators));
        Assert.Equal("""{"k":[1,{"x":"y"}]}""", PythonJson.Serialize(JsonNode.Parse("""{"k":[1,{"x":"y"}]}"""), PythonJson.CompactSeparators));
    }

    [Fact]
    public void Render_WritesUnicodeContentAndNamesUnchanged()
    {
        ChatMessage[] messages = [ChatMessage.Text("user", "こんにちは \"<tag>\" \\n") with { Name = "ユーザー" }];

        Assert.Equal(
            "<|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|>"
            + "<|im_user|>ユーザー<|im_middle|>こんにちは \"<tag>\" \\n<|im_end|><|im_assistant|>assistant<|im_middle|>",
            KimiChatTemplate.Render(messages, new ChatRenderOptions { Style = ChatTemplateStyle.KimiK2Thinking }));
    }

    [Theory]
    [InlineData("\"s\"", "s")]
    [InlineData("true", "True")]
    [InlineData("null", "None")]
    [InlineData("2.0", "2.0")]
    [InlineData("[1, \"a'\", \"b\"]", "[1, \"a'\", 'b']")]
    public void Str_IsPythonsStr(string json, string expected) =>
        Assert.Equal(expected, PythonRepr.Str(JsonNode.Parse(json)));
}
