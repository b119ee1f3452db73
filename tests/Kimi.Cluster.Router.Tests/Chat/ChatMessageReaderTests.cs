using System.Text.Json;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Chat;
using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Router.Tests.Chat;

public sealed class ChatMessageReaderTests
{
    [Fact]
    public void Read_ReadsRolesTextPartsToolCallsAndToolResults()
    {
        var messages = ChatMessageReader.Read(Parse("""
            [
              {"role": "developer", "content": "Be brief."},
              {"role": "user", "name": "ann", "content": [{"type": "text", "text": "Weather "}, {"type": "text", "text": "in Paris?"}]},
              {"role": "assistant", "content": null, "reasoning_content": "look it up",
               "tool_calls": [{"id": "functions.get_weather:0", "type": "function",
                               "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
              {"role": "tool", "tool_call_id": "functions.get_weather:0", "content": "Sunny"},
              {"role": "assistant", "content": "It is", "partial": true}
            ]
            """));

        Assert.Equal(["developer", "user", "assistant", "tool", "assistant"], messages.Select(message => message.Role));
        Assert.Equal("ann", messages[1].Name);
        Assert.Equal(["Weather ", "in Paris?"], messages[1].Content!.Select(part => part.Text));
        Assert.True(messages[1].ContentIsList);
        Assert.False(messages[0].ContentIsList);
        Assert.Null(messages[2].Content);
        Assert.Equal("look it up", messages[2].ReasoningContent);
        var call = Assert.Single(messages[2].ToolCalls!);
        Assert.Equal(("functions.get_weather:0", "get_weather", "{\"city\": \"Paris\"}"), (call.Id, call.Name, call.Arguments));
        Assert.Equal("functions.get_weather:0", messages[3].ToolCallId);
        Assert.True(messages[4].Partial);
    }

    [Fact]
    public void Read_KeepsObjectArgumentsAsAValue_ForTheTemplatesTojson()
    {
        var messages = ChatMessageReader.Read(Parse("""
            [{"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": {"b":2,"a": [1]}}}]}]
            """));

        var call = messages[0].ToolCalls![0];
        Assert.NotNull(call.StructuredArguments);
        Assert.Contains("<|tool_call_argument_begin|>{\"b\": 2, \"a\": [1]}<|tool_call_end|>",
            KimiChatTemplate.Render(messages, new ChatRenderOptions()), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TellsANullReasoningContentFromAMissingOne()
    {
        var messages = ChatMessageReader.Read(Parse("""
            [{"role": "assistant", "content": "a", "reasoning_content": null}, {"role": "assistant", "content": "b"}]
            """));

        Assert.True(messages[0].ReasoningContentIsNull);
        Assert.False(messages[1].ReasoningContentIsNull);
    }

    [Fact]
    public void Read_KeepsImagePartsWithTheirUrls_InEitherForm()
    {
        var messages = ChatMessageReader.Read(Parse("""
            [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA==", "detail": "low"}},
              {"type": "input_image", "image_url": "https://example.com/b.png"}]}]
            """));

        var content = messages[0].Content!;
        Assert.Equal([null, "data:image/png;base64,AA==", "https://example.com/b.png"], content.Select(p => p.ImageUrl));
        Assert.All(content.Skip(1), part => Assert.True(part.IsImage));
    }

    [Theory]
    [InlineData("\"hi\"")]
    [InlineData("[]")]
    [InlineData("""[{"content": "no role"}]""")]
    [InlineData("""[{"role": "wizard", "content": "x"}]""")]
    [InlineData("""[{"role": "user"}]""")]
    [InlineData("""[{"role": "user", "content": 5}]""")]
    [InlineData("""[{"role": "tool", "content": "result without an id"}]""")]
    [InlineData("""[{"role": "user", "content": [{"type": "image_url"}]}]""")]
    [InlineData("""[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": ""}}]}]""")]
    [InlineData("""[{"role": "user", "content": [{"type": "image_url", "image_url": 3}]}]""")]
    [InlineData("""[{"role": "user", "content": [{"type": "video_url", "video_url": {"url": "x"}}]}]""")]
    [InlineData("""[{"role": "user", "content": [{"type": "image", "image": "x"}]}]""")]
    [InlineData("""[{"role": "assistant", "content": "a", "partial": true}, {"role": "user", "content": "b"}]""")]
    [InlineData("""[{"role": "user", "content": "a", "partial": true}]""")]
    [InlineData("""[{"role": "assistant", "tool_calls": [{"id": "c1"}]}]""")]
    public void Read_RefusesNamingMessages_WhenMessagesAreMalformed(string json)
    {
        var error = Assert.Throws<ApiException>(() => ChatMessageReader.Read(Parse(json)));

        Assert.Equal((400, "messages"), (error.StatusCode, error.Param));
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
