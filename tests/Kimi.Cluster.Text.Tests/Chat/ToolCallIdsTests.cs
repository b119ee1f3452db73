using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

public sealed class ToolCallIdsTests
{
    private static ChatMessage Calls(params (string Id, string Name)[] calls) =>
        new() { Role = "assistant", ToolCalls = [.. calls.Select(c => new ChatToolCall(c.Id, c.Name, "{}"))] };

    private static ChatMessage Answer(string id) => new() { Role = "tool", ToolCallId = id, Content = [ChatContentPart.FromText("ok")] };

    [Fact]
    public void Normalize_NumbersEveryCallOfTheConversationAndTheAnswersFollow()
    {
        var messages = ToolCallIds.Normalize(
        [
            ChatMessage.Text("user", "weather and time?"),
            Calls(("call_a", "get_weather"), ("call_b", "get_time")),
            Answer("call_b"),
            Answer("call_a"),
            Calls(("functions.get_weather:0", "get_weather")),
            Answer("functions.get_weather:0"),
        ]);

        Assert.Equal(["functions.get_weather:0", "functions.get_time:1"], messages[1].ToolCalls!.Select(c => c.Id));
        Assert.Equal("functions.get_time:1", messages[2].ToolCallId);
        Assert.Equal("functions.get_weather:0", messages[3].ToolCallId);
        // A later turn continues the count; its answer follows the latest call with that id.
        Assert.Equal("functions.get_weather:2", Assert.Single(messages[4].ToolCalls!).Id);
        Assert.Equal("functions.get_weather:2", messages[5].ToolCallId);
    }

    [Fact]
    public void Normalize_KeepsEverythingElse_WhenAnAnswerNamesNoKnownCall()
    {
        var user = ChatMessage.Text("user", "hi");
        var orphan = Answer("call_unknown");

        var messages = ToolCallIds.Normalize([user, orphan]);

        Assert.Same(user, messages[0]);
        Assert.Same(orphan, messages[1]);
    }

    [Fact]
    public void Normalize_KeepsTheCallsArgumentsAndOtherFields()
    {
        var call = new ChatToolCall("call_x", "f", """{"a": 1}""");
        var assistant = new ChatMessage { Role = "assistant", ReasoningContent = "why", ToolCalls = [call] };

        var normalized = Assert.Single(ToolCallIds.Normalize([assistant]));

        Assert.Equal("why", normalized.ReasoningContent);
        Assert.Equal(call with { Id = "functions.f:0" }, Assert.Single(normalized.ToolCalls!));
    }
}
