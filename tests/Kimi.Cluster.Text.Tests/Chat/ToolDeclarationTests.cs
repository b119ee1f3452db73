using System.Text.Json.Nodes;
using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

public sealed class ToolDeclarationTests
{
    private const string Weather =
        """{"type":"function","function":{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string","description":"City name"},"days":{"type":"integer","default":1}},"required":["city"]}}}""";

    private static string Render(ChatTemplateStyle style) => KimiChatTemplate.Render(
        [ChatMessage.Text("user", "Hi")],
        new ChatRenderOptions { Style = style, Tools = [JsonNode.Parse(Weather)!.AsObject()] });

    [Fact]
    public void Instruct_DeclaresToolsAsSpacedJson_UnderAToolsHeading()
    {
        Assert.Equal(
            "<|im_system|>tool_declare<|im_middle|>\n  # Tools\n  "
            + """[{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "days": {"type": "integer", "default": 1}}, "required": ["city"]}}}]"""
            + "<|im_end|><|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|>"
            + "<|im_user|>user<|im_middle|>Hi<|im_end|><|im_assistant|>assistant<|im_middle|>",
            Render(ChatTemplateStyle.KimiK2Instruct));
    }

    [Fact]
    public void Thinking_DeclaresToolsAsJsonWithPythonsDefaultSeparators()
    {
        Assert.Equal(
            "<|im_system|>tool_declare<|im_middle|>"
            + """[{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city", "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "City name"}, "days": {"type": "integer", "default": 1}}, "required": ["city"]}}}]"""
            + "<|im_end|><|im_system|>system<|im_middle|>You are Kimi, an AI assistant created by Moonshot AI.<|im_end|>"
            + "<|im_user|>user<|im_middle|>Hi<|im_end|><|im_assistant|>assistant<|im_middle|>",
            Render(ChatTemplateStyle.KimiK2Thinking));
    }

    [Fact]
    public void K25_DeclaresToolsInTypeScript()
    {
        Assert.Equal(
            "<|im_system|>tool_declare<|im_middle|># Tools\n\n## functions\nnamespace functions {\n"
            + "// Weather of a city\n"
            + "type get_weather = (_: {\n"
            + "  // City name\n"
            + "  city: string,\n"
            + "  // Default: 1\n"
            + "  days?: number\n"
            + "}) => any;\n"
            + "}\n"
            + "<|im_end|><|im_user|>user<|im_middle|>Hi<|im_end|><|im_assistant|>assistant<|im_middle|><think>",
            Render(ChatTemplateStyle.KimiK25));
    }

    [Fact]
    public void K25_FallsBackToCompactJsonWithSortedKeys_WhenTheSchemaCannotBeWrittenAsTypeScript()
    {
        // A property schema without type, enum, anyOf or $ref is one Moonshot's encoder rejects.
        var tool = JsonNode.Parse("""{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"x":{"description":"?"}}}}}""")!.AsObject();

        string text = KimiChatTemplate.Render([], new ChatRenderOptions { Style = ChatTemplateStyle.KimiK25, Tools = [tool] });

        Assert.StartsWith(
            """<|im_system|>tool_declare<|im_middle|>[{"function":{"name":"f","parameters":{"properties":{"x":{"description":"?"}},"type":"object"}},"type":"function"}]<|im_end|>""",
            text, StringComparison.Ordinal);
    }

    [Fact]
    public void K25_DeclaresToolsAsCompactJson_WhenNoToolIsAFunction()
    {
        var tool = JsonNode.Parse("""{"type":"retrieval","retrieval":{"k":2,"b":[{"z":1,"a":2}]}}""")!.AsObject();

        string text = KimiChatTemplate.Render([], new ChatRenderOptions { Style = ChatTemplateStyle.KimiK25, Tools = [tool] });

        Assert.StartsWith("""<|im_system|>tool_declare<|im_middle|>[{"retrieval":{"b":[{"a":2,"z":1}],"k":2},"type":"retrieval"}]<|im_end|>""", text, StringComparison.Ordinal);
    }
}
