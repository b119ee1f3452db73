using Grpc.Core;
using Kimi.Cluster.AttentionWorker.Batching;
using Kimi.Cluster.AttentionWorker.Requests;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Services;

/// <summary>Owns how the worker's failures become gRPC statuses the router can act on.</summary>
public static class WorkerErrors
{
    /// <summary>
    /// Trailer naming the refused field, so the router can name the parameter in its own
    /// error body without parsing the message. The router spells the same key.
    /// </summary>
    public const string InvalidFieldTrailer = "kimi-invalid-field";

    public static RpcException InvalidArgument(InvalidRequestException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var trailers = new Metadata { { InvalidFieldTrailer, error.Field } };
        return new RpcException(new Status(StatusCode.InvalidArgument, error.Message), trailers);
    }

    /// <summary>The engine refused a prompt the checks let through (ArgumentException).</summary>
    public static RpcException InvalidPrompt(ArgumentException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return InvalidArgument(new InvalidRequestException("prompt_token_ids", $"prompt_token_ids: {error.Message}"));
    }

    /// <summary>
    /// The scheduler refused the request: a full queue is worth retrying (RESOURCE_EXHAUSTED),
    /// anything else never fits (INVALID_ARGUMENT, with the scheduler's message).
    /// </summary>
    public static RpcException Refused(Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return refusal.IsRetryable
            ? new RpcException(new Status(StatusCode.ResourceExhausted, refusal.Message))
            : InvalidArgument(new InvalidRequestException(
                refusal.Reason == RefusalReason.Invalid ? "prompt_token_ids" : "max_tokens", refusal.Message));
    }

    public static RpcException ShuttingDown() =>
        new(new Status(StatusCode.Unavailable, "the attention worker is shutting down; retry on another worker"));

    public static RpcException ClientCancelled() =>
        new(new Status(StatusCode.Cancelled, "the caller cancelled the call; the sequence was stopped"));

    /// <summary>INTERNAL with a message fit for the client: no native trace, the request id to find the cause in the log.</summary>
    public static RpcException GenerationFailed(GenerationFailedException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new RpcException(new Status(StatusCode.Internal, error.Message));
    }
}
