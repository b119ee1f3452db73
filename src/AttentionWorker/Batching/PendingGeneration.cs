using System.Threading.Channels;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Batching;

/// <summary>
/// One request queued or running in the batcher, and the one record of it: the scheduler holds
/// it, the engine samples with its state, and the gRPC call reads its tokens and outcome here.
/// The engine's loop writes the tokens; completion may come from any thread (a cancelled call).
/// </summary>
public sealed class PendingGeneration(long id, GenerationRequest request, IEnumerable<int> eosTokenIds, CancellationToken callCancellation)
    : GenerationSequence(id, request, eosTokenIds)
{
    private readonly Channel<GeneratedToken> _tokens = Channel.CreateUnbounded<GeneratedToken>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    private readonly TaskCompletionSource<GenerationResult> _result =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The caller's request id, or one made from <see cref="SequenceRequest.Id"/> when it sent none: what logs and errors name.</summary>
    public string RequestId => Request.RequestId.Length > 0 ? Request.RequestId : $"worker-sequence-{Id}";

    /// <summary>Cancelled when the caller has gone.</summary>
    public CancellationToken CallCancellation { get; } = callCancellation;

    /// <summary>Tokens as they are sampled; completes when the request finishes (faults when the batch failed).</summary>
    public ChannelReader<GeneratedToken> Tokens => _tokens.Reader;

    /// <summary>The outcome, set after the last token has been written.</summary>
    public Task<GenerationResult> Result => _result.Task;

    /// <summary>Stops watching the call's cancellation once the request is done.</summary>
    internal CancellationTokenRegistration CancelRegistration { get; set; }

    /// <summary>Also streams the token to the call (dropped when the request was cancelled meanwhile).</summary>
    public override void Accept(GeneratedToken token)
    {
        base.Accept(token);
        _tokens.Writer.TryWrite(token);
    }

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
