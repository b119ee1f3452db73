using Kimi.Cluster.Router.Api;
using Kimi.Cluster.Router.Generation;
using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Completions;

/// <summary>
/// Checks what the HTTP layer can (the request's shape, n, echo, the model name, OpenAI's
/// sampling ranges) and fills in OpenAI's defaults. What the engine defines (logprobs, context
/// length, token ids) is the worker's to refuse.
/// </summary>
public static class CompletionPlanner
{
    /// <summary>With <paramref name="limits"/>, also enforces --max-tokens-limit and --max-prompt-tokens.</summary>
    public static CompletionPlan Plan(CompletionRequest request, ServedModel model, RouterLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(model);
        RequireServedModel(request.Model, model.ModelId);
        if (request.Echo == true)
            throw ApiException.InvalidRequest("echo is not supported yet", "echo");
        request.CheckSharedFields();
        if (request.Logprobs is < 0)
            throw ApiException.InvalidRequest($"logprobs must be in 0..20 (got {request.Logprobs})", "logprobs");
        if (limits?.MaxTokensAllowed(model.Info) is int maxTokens && request.MaxTokens > maxTokens)
            throw ApiException.InvalidRequest($"max_tokens must be at most {maxTokens} (got {request.MaxTokens})", "max_tokens");
        var prompt = PromptReader.Read(request.Prompt, model.Text);
        if (limits?.PromptTokensAllowed(model.Info) is int maxPrompt && prompt.Count > maxPrompt)
            throw ApiException.InvalidRequest($"the prompt has {prompt.Count} tokens; at most {maxPrompt} are accepted", "prompt");

        return new CompletionPlan
        {
            PromptTokenIds = prompt,
            Choices = request.N ?? 1,
            MaxTokens = ContextWindow.MaxTokens(request.MaxTokens ?? 16, prompt.Count, (int)model.Info.MaxPositionEmbeddings, "max_tokens"),
            Temperature = request.Temperature ?? 1f,
            TopP = request.TopP ?? 1f,
            TopK = request.TopK ?? -1,
            PresencePenalty = request.PresencePenalty ?? 0f,
            FrequencyPenalty = request.FrequencyPenalty ?? 0f,
            Seed = request.Seed,
            Stop = StopReader.Read(request.Stop),
            StopTokenIds = request.StopTokenIds ?? [],
            Logprobs = request.Logprobs,
            IgnoreEos = request.IgnoreEos ?? false,
            Stream = request.Stream ?? false,
            IncludeUsage = request.StreamOptions?.IncludeUsage ?? false,
            RenderTokenIds = request.ReturnTokensAsTokenIds ?? false,
        };
    }

    public static void RequireServedModel(string? requested, string served)
    {
        if (requested is null || requested == served)
            return;
        throw new ApiException(StatusCodes.Status404NotFound,
            $"the model '{requested}' does not exist; this server serves '{served}'",
            "invalid_request_error", "model", "model_not_found");
    }
}
