using System.Text.Json;
using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Completions;
using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Images;
using Kimi.Cluster.Router.Worker;
using Kimi.Cluster.Text.Chat;
using Kimi.Cluster.Text.Parsing;
using Kimi.Cluster.Text.Tokenization;

namespace Kimi.Cluster.Router.Chat;

/// <summary>
/// Checks a chat request (OpenAI's ranges, and with --enforce-kimi-sampling K2.5's fixed values),
/// renders its conversation with the model's chat template and encodes it, and fills in Kimi's
/// recommended sampling defaults.
/// </summary>
public static class ChatPlanner
{
    public const int MaxTopLogprobs = 20;

    /// <summary>
    /// Plans a request without images (an image part is a 400). With <paramref name="limits"/>, also
    /// enforces --max-tokens-limit, --max-prompt-tokens and --enforce-kimi-sampling.
    /// </summary>
    public static ChatPlan Plan(ChatCompletionRequest request, ServedModel model, RouterLimits? limits = null)
    {
        var messages = ReadMessages(request, model);
        if (ImagePreparer.ImageParts(messages) is [var first, ..])
            throw ApiException.InvalidRequest($"{first.At}: this endpoint takes no images", "messages");
        return Build(request, model, limits, messages, []);
    }

    /// <summary>Plans a request, its images fetched and prepared by <paramref name="images"/>.</summary>
    public static async Task<ChatPlan> PlanAsync(
        ChatCompletionRequest request, ServedModel model, RouterLimits? limits, ImagePreparer images, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(images);
        var messages = ReadMessages(request, model);
        var parts = ImagePreparer.ImageParts(messages);
        if (parts.Count > 0 && !model.Info.AcceptsImages)
            throw ApiException.InvalidRequest($"{parts[0].At}: this model has no vision encoder, so it takes no images", "messages");
        var prepared = parts.Count == 0 ? [] : await images.PrepareAsync(parts, cancellation);
        return Build(request, model, limits, messages, prepared);
    }

    private static IReadOnlyList<ChatMessage> ReadMessages(ChatCompletionRequest request, ServedModel model)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(model);
        CompletionPlanner.RequireServedModel(request.Model, model.ModelId);
        _ = Tokenizer(model);
        CheckScalars(request);
        return ToolCallIds.Normalize(ChatMessageReader.Read(request.Messages));
    }

    private static KimiTokenizer Tokenizer(ServedModel model) => model.Text.Tokenizer ?? throw ApiException.InvalidRequest(
        "this model has no tokenizer (no tiktoken.model in its directory), so it cannot chat; use /v1/completions with token ids", "messages");

    private static ChatPlan Build(
        ChatCompletionRequest request, ServedModel model, RouterLimits? limits, IReadOnlyList<ChatMessage> messages, IReadOnlyList<PreparedImage> images)
    {
        var tokenizer = Tokenizer(model);
        var tools = ToolsReader.ReadTools(request.Tools);
        var toolChoice = ToolsReader.ReadToolChoice(request.ToolChoice, tools);
        var format = ResponseFormatReader.Read(request.ResponseFormat);
        bool thinking = ThinkingReader.Read(request.Thinking, request.ChatTemplateKwargs);
        if (limits?.EnforceKimiSampling == true)
            KimiSamplingRule.Check(request, thinking);
        bool partial = messages[^1].Partial;
        bool startsInReasoning = !partial && KimiChatTemplate.StartsInReasoning(model.Text.TemplateStyle, thinking);
        var constraint = ChatConstraints.Plan(request, messages, tools, toolChoice, format, tokenizer.Ids, Lead(model, partial, startsInReasoning));

        string prompt = Render(messages, new ChatRenderOptions
        {
            Style = model.Text.TemplateStyle,
            Tools = tools,
            AddGenerationPrompt = !partial,
            Thinking = thinking,
        });
        var (promptTokenIds, promptImages) = PromptImages.Expand(tokenizer.Encode(prompt, allowSpecialTokens: true), images, tokenizer);
        int? requestedTokens = request.MaxCompletionTokens ?? request.MaxTokens;
        if (limits?.MaxTokensAllowed(model.Info) is int allowed && requestedTokens > allowed)
        {
            string param = request.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens";
            throw ApiException.InvalidRequest($"{param} must be at most {allowed} (got {requestedTokens})", param);
        }
        if (limits?.PromptTokensAllowed(model.Info) is int maxPrompt && promptTokenIds.Count > maxPrompt)
            throw ApiException.InvalidRequest($"the messages render to {promptTokenIds.Count} tokens; at most {maxPrompt} are accepted", "messages");
        uint maxTokens = ContextWindow.MaxTokens(requestedTokens, promptTokenIds.Count, (int)model.Info.MaxPositionEmbeddings, "messages");

        return new ChatPlan
        {
            PromptTokenIds = promptTokenIds,
            Choices = request.N ?? 1,
            MaxTokens = maxTokens,
            // Kimi's recommended sampling: temperature 1.0 when thinking, 0.6 for instant answers; top_p 0.95.
            Temperature = request.Temperature ?? (thinking ? 1f : 0.6f),
            TopP = request.TopP ?? 0.95f,
            TopK = request.TopK ?? -1,
            PresencePenalty = request.PresencePenalty ?? 0f,
            FrequencyPenalty = request.FrequencyPenalty ?? 0f,
            Seed = request.Seed,
            Stop = StopReader.Read(request.Stop),
            StopTokenIds = [.. model.Text.ChatStopTokenIds, .. request.StopTokenIds ?? []],
            IgnoreEos = request.IgnoreEos ?? false,
            TopLogprobs = request.Logprobs == true ? request.TopLogprobs ?? 0 : null,
            Stream = request.Stream ?? false,
            IncludeUsage = request.StreamOptions?.IncludeUsage ?? false,
            Parsing = new OutputParserOptions
            {
                // A partial assistant message is continued as content, never as reasoning.
                StartsInReasoning = startsInReasoning,
                ParseToolCalls = toolChoice.ParsesCalls,
            },
            Constraint = constraint,
            Images = promptImages,
        };
    }

    /// <summary>Where a constrained output may reason first: after the prompt's &lt;think&gt;, or (K2-Thinking) after its own.</summary>
    private static ReasoningLead Lead(ServedModel model, bool partial, bool startsInReasoning) =>
        startsInReasoning ? ReasoningLead.Open
        : !partial && model.Text.TemplateStyle == ChatTemplateStyle.KimiK2Thinking ? ReasoningLead.Optional
        : ReasoningLead.None;

    private static void CheckScalars(ChatCompletionRequest request)
    {
        request.CheckSharedFields();
        if (request.MaxCompletionTokens is < 1)
            throw ApiException.InvalidRequest($"max_completion_tokens must be at least 1 (got {request.MaxCompletionTokens})", "max_completion_tokens");
        if (request.TopLogprobs is < 0 or > MaxTopLogprobs)
            throw ApiException.InvalidRequest($"top_logprobs must be in 0..{MaxTopLogprobs} (got {request.TopLogprobs})", "top_logprobs");
        if (request.TopLogprobs is not null && request.Logprobs != true)
            throw ApiException.InvalidRequest("top_logprobs needs logprobs: true", "top_logprobs");
        if (request.LogitBias is { ValueKind: JsonValueKind.Object } bias && bias.EnumerateObject().Any())
            throw ApiException.InvalidRequest("logit_bias is not supported", "logit_bias");
    }

    private static string Render(IReadOnlyList<ChatMessage> messages, ChatRenderOptions options)
    {
        try
        {
            return KimiChatTemplate.Render(messages, options);
        }
        catch (ArgumentException error)
        {
            throw ApiException.InvalidRequest(error.Message, "messages");
        }
    }
}
