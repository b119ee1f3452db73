using System.Text.Json;
using Kimi.Cluster.AttentionWorker.Generation;
using CompiledConstraint = Kimi.Cluster.Constraints.CompiledConstraint;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.AttentionWorker.Requests;

/// <summary>
/// Turns a proto GenerateRequest into the engine's request, refusing anything the engine
/// would choke on before it is queued, so one bad request can never fail a whole batch.
/// </summary>
public static class GenerateRequestMapper
{
    /// <summary>
    /// <see cref="ToDomain"/>, on a thread of its own when the request brings a constraint that is
    /// not compiled yet. Compiling a JSON schema against the whole vocabulary (and, the first time,
    /// reading the vocabulary) takes up to seconds; a burst of new schemas compiled on thread-pool
    /// threads left none to answer the health checks, and the router gave the worker up.
    /// </summary>
    public static async Task<GenerationRequest> ToDomainAsync(GenerateRequest request, ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(model);
        if (request.Constraint is { } constraint && !model.Constraints.IsCompiled(constraint))
        {
            return await Task.Factory.StartNew(
                () => ToDomain(request, model), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        return ToDomain(request, model);
    }

    /// <summary>Throws <see cref="InvalidRequestException"/> naming the offending field.</summary>
    public static GenerationRequest ToDomain(GenerateRequest request, ModelDescriptor model)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(model);
        var prompt = request.PromptTokenIds.ToArray();
        if (prompt.Length == 0)
            throw new InvalidRequestException("prompt_token_ids", "prompt_token_ids: the prompt is empty; send at least one token id.");
        TokenIdChecks.RequireInVocabulary(prompt, "prompt_token_ids", model.VocabSize);
        var stopTokenIds = request.StopTokenIds.ToArray();
        TokenIdChecks.RequireInVocabulary(stopTokenIds, "stop_token_ids", model.VocabSize);

        if (request.GeneratedTokens >= prompt.Length)
        {
            throw new InvalidRequestException("generated_tokens",
                $"generated_tokens: {request.GeneratedTokens} earlier tokens cannot be all of a {prompt.Length}-token prompt; at least one must be the original prompt's.");
        }

        var sampling = ToSampling(request, stopTokenIds);
        Validate(sampling);
        RequireFitsContext(prompt.Length, request.MaxTokens, model.MaxPositionEmbeddings);
        return new GenerationRequest(prompt, sampling)
        {
            RequestId = request.RequestId,
            ResumedTokens = (int)request.GeneratedTokens,
            Constraint = request.Constraint is { } constraint ? Constrain(constraint, prompt, (int)request.GeneratedTokens, sampling, model) : null,
            Images = PromptImages.ToDomain(request.Images, prompt.Length - (int)request.GeneratedTokens, model),
        };
    }

    /// <summary>Compiles the constraint, and checks that it can end and that a resumed generation's tokens follow it.</summary>
    private static CompiledConstraint Constrain(OutputConstraint constraint, int[] prompt, int resumed, SamplingParams sampling, ModelDescriptor model)
    {
        var compiled = model.Constraints.Compile(constraint);
        var ends = sampling.IgnoreEos ? sampling.StopTokenIds : [.. sampling.StopTokenIds, .. model.EosTokenIds];
        if (ends.Count == 0)
            throw new InvalidRequestException("constraint", "constraint: a constrained output must be able to end, but ignore_eos is set and no stop_token_ids are given.");
        try
        {
            GenerationSequence.StartConstraint(compiled, prompt, resumed, ends);
        }
        catch (ArgumentException error)
        {
            throw new InvalidRequestException("stop_token_ids", $"stop_token_ids: {error.Message}");
        }
        catch (InvalidOperationException error)
        {
            throw new InvalidRequestException("generated_tokens", $"generated_tokens: the earlier tokens do not follow the constraint: {error.Message}");
        }
        return compiled;
    }

    private static SamplingParams ToSampling(GenerateRequest request, int[] stopTokenIds)
    {
        // An absent sampling message means greedy decoding: proto3 cannot tell "unset" from
        // zero, and a present message with top_p 0 must stay an error, not become "off".
        var options = request.Sampling ?? new SamplingOptions { Temperature = 0f, TopP = 1f };
        return new SamplingParams
        {
            Temperature = options.Temperature,
            TopP = options.TopP,
            TopK = options.TopK,
            Seed = options.HasSeed ? options.Seed : null,
            PresencePenalty = options.PresencePenalty,
            FrequencyPenalty = options.FrequencyPenalty,
            MaxTokens = (int)Math.Min(request.MaxTokens, int.MaxValue),
            StopTokenIds = stopTokenIds,
            Logprobs = (int)Math.Min(request.Logprobs, int.MaxValue),
            IgnoreEos = request.IgnoreEos,
        };
    }

    private static void Validate(SamplingParams sampling)
    {
        try
        {
            sampling.Validate();
        }
        catch (ArgumentOutOfRangeException error)
        {
            string field = JsonNamingPolicy.SnakeCaseLower.ConvertName(error.ParamName ?? "sampling");
            string message = Describe(error);
            // The engine's messages usually start with the field already.
            throw new InvalidRequestException(field, message.StartsWith(field, StringComparison.Ordinal) ? message : $"{field}: {message}");
        }
    }

    private static void RequireFitsContext(int promptTokens, uint maxTokens, int contextLength)
    {
        if (promptTokens >= contextLength)
            throw new InvalidRequestException("prompt_token_ids",
                $"prompt_token_ids: the prompt has {promptTokens} tokens, but the model's context is {contextLength} tokens " +
                "and at least one must be left to generate.");
        if (promptTokens + (long)maxTokens > contextLength)
            throw new InvalidRequestException("max_tokens",
                $"max_tokens: the prompt ({promptTokens} tokens) plus max_tokens ({maxTokens}) exceeds the model's " +
                $"context of {contextLength} tokens; ask for at most {contextLength - promptTokens}.");
    }

    // ArgumentOutOfRangeException.Message appends "(Parameter 'X')" and the actual value
    // on lines of its own; keep the sentence the engine wrote and add the value once.
    private static string Describe(ArgumentOutOfRangeException error)
    {
        string message = error.Message;
        int cut = message.IndexOf(" (Parameter", StringComparison.Ordinal);
        if (cut >= 0)
            message = message[..cut];
        return error.ActualValue is null ? message : $"{message} (got {error.ActualValue}).";
    }
}
