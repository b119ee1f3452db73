using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

/// <summary>
/// The renderer against an independent one: tests/crosscheck/chat_template_reference.py renders the
/// same conversations with Python's jinja2, set up as Hugging Face sets it up, from Moonshot's own
/// chat_template.jinja files in ../shared/kimi-files (K2.5, K2-Thinking, and K2-Instruct's three
/// public revisions: July 2025, August 2025 and 0905). Needs
/// Debian's python3-jinja2; with KIMI_REQUIRE_PYTHON_CROSSCHECK=1 its absence fails, otherwise
/// these pass with a message.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class TemplateCrossCheckTests
{
    private static readonly JsonSerializerOptions _readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task Render_MatchesJinja_ForFixedAndRandomConversations()
    {
        if (await ExternalProgram.FindPythonAsync("jinja2") is not { } python)
        {
            Assert.True(Environment.GetEnvironmentVariable("KIMI_REQUIRE_PYTHON_CROSSCHECK") != "1",
                "python3 with jinja2 is required for the chat template cross-check (apt-get install python3-jinja2)");
            Console.WriteLine("skipping the chat template cross-check: no python3 with jinja2");
            return;
        }
        var cases = FixedCases().Concat(CrossCheckConversations.Sample(2000).SelectMany(WithOlderInstructRevisions)).ToList();
        var expected = await RenderWithJinjaAsync(python, cases);

        var failures = new List<string>();
        for (int i = 0; i < cases.Count; i++)
        {
            string? actual = RenderOrNull(cases[i]);
            if (actual != expected[i])
                failures.Add($"case {cases[i].ToJson().ToJsonString(_readable)}\n  jinja: {Quoted(expected[i])}\n  C#:    {Quoted(actual)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} differ:\n{string.Join("\n", failures.Take(3))}");
        // The first release fails on any message without content (about four in five conversations);
        // enough of every template's cases must still render for the comparison to mean something.
        foreach (var style in cases.Zip(expected).GroupBy(p => p.First.Options.Style))
            Assert.True(style.Count(p => p.Second is not null) * 10 >= style.Count(), $"under a tenth of the {style.Key} cases render in jinja2");
    }

    /// <summary>Each generated conversation as drawn and with the two K2-Instruct revisions before 0905.</summary>
    private static IEnumerable<CrossCheckCase> WithOlderInstructRevisions(CrossCheckCase drawn) =>
        [drawn, drawn.WithStyle(ChatTemplateStyle.KimiK2InstructFirstRelease), drawn.WithStyle(ChatTemplateStyle.KimiK2InstructAugust2025)];

    /// <summary>Where the template fails in jinja2 (the reference's null), the renderer must refuse the conversation.</summary>
    private static string? RenderOrNull(CrossCheckCase crossCheckCase)
    {
        try
        {
            return KimiChatTemplate.Render(crossCheckCase.Messages, crossCheckCase.Options);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string Quoted(string? text) => text is null ? "(fails)" : JsonValue.Create(text)!.ToJsonString(_readable);

    private static IEnumerable<CrossCheckCase> FixedCases()
    {
        ChatMessage[] conversation =
        [
            ChatMessage.Text("user", "Paris?") with { Name = "alice" },
            ChatMessage.Text("assistant", "Checking.") with
            {
                ReasoningContent = "call",
                ToolCalls = [new("functions.w:0", "w", """{"city":"Paris"}"""), ChatToolCall.FromObject("functions.w:1", "w", JsonNode.Parse("""{"x":1e-05,"y":"日本\n"}""")!)],
            },
            new() { Role = "tool", ToolCallId = "functions.w:0", Content = [ChatContentPart.FromText("rain")] },
            new() { Role = "tool", ToolCallId = "functions.w:1" },
            ChatMessage.Text("assistant", "Rainy.") with { ReasoningContent = "read" },
            ChatMessage.Text("user", "Thanks"),
        ];
        JsonObject tool = JsonNode.Parse("""{"type":"function","function":{"name":"w","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}""")!.AsObject();
        foreach (var style in Enum.GetValues<ChatTemplateStyle>())
        {
            foreach (bool flag in new[] { true, false })
            {
                var options = new ChatRenderOptions { Style = style, Tools = flag ? [tool] : [], AddGenerationPrompt = flag, Thinking = !flag };
                yield return new CrossCheckCase(conversation, options);
                yield return new CrossCheckCase(conversation[..2], options);
                yield return new CrossCheckCase([], options);
                yield return new CrossCheckCase([.. conversation, ChatMessage.Text("assistant", "So. \n") with { Partial = true }], options);
            }
        }
    }

    private static async Task<IReadOnlyList<string?>> RenderWithJinjaAsync(string python, IReadOnlyList<CrossCheckCase> cases)
    {
        var request = new JsonObject
        {
            ["templates"] = new JsonObject
            {
                ["instruct"] = SharedFiles.Require("kimi-files", "kimi-k2-instruct", "chat_template.2025-09-0905.rtp-llm.jinja"),
                ["instruct-2025-08"] = SharedFiles.Require("kimi-files", "kimi-k2-instruct", "chat_template.2025-08.from-tokenizer_config.rtp-llm.jinja"),
                ["instruct-2025-07"] = SharedFiles.Require("kimi-files", "kimi-k2-instruct", "chat_template.2025-07-initial.llama-cpp.jinja"),
                ["thinking"] = SharedFiles.Require("kimi-files", "kimi-k2-thinking", "chat_template.jinja"),
                ["k25"] = SharedFiles.Require("kimi-files", "kimi-k2.5", "chat_template.jinja"),
            },
            ["cases"] = new JsonArray([.. cases.Select(c => (JsonNode)c.ToJson())]),
        };
        var (exitCode, output, errors) = await ExternalProgram.RunAsync(
            python, [ExternalProgram.CrossCheckScript("chat_template_reference.py")], ExternalProgram.RepositoryRoot,
            TimeSpan.FromMinutes(5), request.ToJsonString());
        Assert.True(exitCode == 0, $"chat_template_reference.py failed: {errors}");
        return [.. JsonNode.Parse(output)!.AsArray().Select(s => (string?)s)];
    }
}
