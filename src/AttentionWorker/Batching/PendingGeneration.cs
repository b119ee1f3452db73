using System.Threading.Channels;
using Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.AttentionWorker.Batching;

/// <summary>
/// One request queued or running in the batcher: the batcher writes its tokens and
/// outcome here from the engine thread, the gRPC call reads them on its own.
/// </summary>
public sealed class PendingGeneration
{
    private readonly Channel<GeneratedToken> _tokens = Channel.CreateUnbounded<GeneratedToken>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private readonly TaskCompletionSource<GenerationResult> _result =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PendingGeneration(long id, GenerationRequest request, CancellationToken callCancellation)
    {
        Id = id;
        Request = request;
        CallCancellation = callCancellation;
    }

    /// <summary>The id the scheduler and the engine know the request by.</summary>
    public long Id { get; }

    public GenerationRequest Request { get; }

    /// <summary>The caller's request id, or one made from <see cref="Id"/> when it sent none: what logs and errors name.</summary>
    public string RequestId => Request.RequestId.Length > 0 ? Request.RequestId : $"worker-sequence-{Id}";

    /// <summary>Cancelled when the caller has gone.</summary>
    public CancellationToken CallCancellation { get; }

    /// <summary>Tokens as they are sampled; completes when the request finishes (faults when the batch failed).</summary>
    public ChannelReader<GeneratedToken> Tokens => _tokens.Reader;

    /// <summary>The outcome, set after the last token has been written.</summary>
    public Task<GenerationResult> Result => _result.Task;

    /// <summary>Stops watching the call's cancellation once the request is done.</summary>
    internal CancellationTokenRegistration CancelRegistration { get; set; }

    internal void AddToken(GeneratedToken token) => _tokens.Writer.TryWrite(token);

    internal void Complete(GenerationResult result)
    {
        // Unregister, not Dispose: Dispose waits for a running callback, which may wait for the batcher lock.
        CancelRegistration.Unregister();
        _tokens.Writer.TryComplete();
        _result.TrySetResult(result);
    }

    internal void Fail(Exception error)
    {
        // Unregister, not Dispose: Dispose waits for a running callback, which may wait for the batcher lock.
        CancelRegistration.Unregister();
        _tokens.Writer.TryComplete(error);
        _result.TrySetException(error);
        // Readers see the error through the token channel; mark the task observed so it
        // is not reported again as an unobserved exception.
        _ = _result.Task.Exception;
    }
}
