using System.Text.Json.Nodes;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Text.Chat;

namespace Kimi.Cluster.Text.Tests.Chat;

/// <summary>
/// DetectStyle on Moonshot's real template files (../shared/kimi-files): each is told by its text,
/// with no model_type to help, so a model directory with any of them renders as that template does.
/// </summary>
public sealed class TemplateDetectionTests
{
    private static readonly Dictionary<string, ChatTemplateStyle> _moonshotTemplates = new()
    {
        [Path.Combine("kimi-k2.5", "chat_template.jinja")] = ChatTemplateStyle.KimiK25,
        [Path.Combine("kimi-k2-thinking", "chat_template.jinja")] = ChatTemplateStyle.KimiK2Thinking,
        [Path.Combine("kimi-k2-instruct", "chat_template.2025-09-0905.rtp-llm.jinja")] = ChatTemplateStyle.KimiK2Instruct,
        [Path.Combine("kimi-k2-instruct", "chat_template.2025-08.from-tokenizer_config.rtp-llm.jinja")] = ChatTemplateStyle.KimiK2InstructAugust2025,
        [Path.Combine("kimi-k2-instruct", "chat_template.2025-07-initial.llama-cpp.jinja")] = ChatTemplateStyle.KimiK2InstructFirstRelease,
    };

    [Fact]
    public void DetectStyle_NamesEachMoonshotTemplate_FromItsTextAlone()
    {
        foreach (var (file, expected) in _moonshotTemplates)
        {
            string template = File.ReadAllText(SharedFiles.Require("kimi-files", file));
            var detected = (KimiChatTemplate.DetectStyle(null, template), KimiChatTemplate.DetectStyle("kimi_k2", template));

            Assert.True(detected == (expected, expected), $"{file} reads as {detected}, not {expected}");
        }
    }

    [Fact]
    public void DetectStyle_NamesTheAugustRevision_WhenTheTemplateComesFromTokenizerConfig()
    {
        string config = File.ReadAllText(SharedFiles.Require("kimi-files", "kimi-k2-instruct", "tokenizer_config.2025-08.rtp-llm.json"));
        string template = (string)JsonNode.Parse(config)!["chat_template"]!;

        Assert.Equal(ChatTemplateStyle.KimiK2InstructAugust2025, KimiChatTemplate.DetectStyle("kimi_k2", template));
    }

    [Fact]
    public void DetectStyle_KeepsTheFirstRelease_WhenItsLineEndingsAreLf()
    {
        string template = File.ReadAllText(SharedFiles.Require("kimi-files", "kimi-k2-instruct", "chat_template.2025-07-initial.llama-cpp.jinja"));

        Assert.Equal(ChatTemplateStyle.KimiK2InstructFirstRelease, KimiChatTemplate.DetectStyle(null, template.ReplaceLineEndings("\n")));
    }
}
