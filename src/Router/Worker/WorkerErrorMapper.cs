using Grpc.Core;
using Kimi.Cluster.Router.Api;

namespace Kimi.Cluster.Router.Worker;

/// <summary>Maps the worker's gRPC statuses onto API refusals: its InvalidArgument becomes a 400 naming the parameter.</summary>
public static class WorkerErrorMapper
{
    /// <summary>Trailer in which the worker names the refused field; the worker spells the same key.</summary>
    public const string InvalidFieldTrailer = "kimi-invalid-field";

    /// <summary>Returns the exception to throw instead; cancellation by our own client stays a cancellation.</summary>
    public static Exception Map(RpcException error, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (cancellation.IsCancellationRequested)
            return new OperationCanceledException("the client cancelled the request", error, cancellation);
        return error.StatusCode switch
        {
            StatusCode.InvalidArgument => InvalidRequest(error),
            StatusCode.ResourceExhausted => ApiException.Overloaded($"the attention worker is at capacity, retry later: {error.Status.Detail}", TimeSpan.FromSeconds(1)),
            // The call's own deadline passed: this request is late, the worker is not down.
            StatusCode.DeadlineExceeded => ApiException.TimedOut($"the generation did not finish in time: {error.Status.Detail}"),
            StatusCode.Unavailable or StatusCode.Cancelled =>
                ApiException.Unavailable($"the attention worker is unavailable: {error.Status.Detail}"),
            // The worker's INTERNAL says that generation failed and names the request id its log has the cause under.
            StatusCode.Internal => new ApiException(StatusCodes.Status500InternalServerError, error.Status.Detail, "server_error"),
            _ => new ApiException(StatusCodes.Status500InternalServerError,
                $"the attention worker failed ({error.StatusCode}): {error.Status.Detail}", "server_error"),
        };
    }

    /// <summary>
    /// A 400 naming one field: the parameter the client sent, and a message that does not start
    /// with the worker's own name for it (prompt_token_ids), which the client never sent.
    /// </summary>
    private static ApiException InvalidRequest(RpcException error)
    {
        string? workerField = error.Trailers.GetValue(InvalidFieldTrailer);
        string message = error.Status.Detail;
        if (!string.IsNullOrEmpty(workerField) && message.StartsWith(workerField + ": ", StringComparison.Ordinal))
            message = message[(workerField.Length + 2)..];
        return ApiException.InvalidRequest(message, ToParam(workerField));
    }

    /// <summary>The worker speaks of prompt_token_ids; the HTTP client sent them as prompt.</summary>
    public static string? ToParam(string? workerField) => workerField switch
    {
        null or "" => null,
        "prompt_token_ids" => "prompt",
        _ => workerField,
    };
}
