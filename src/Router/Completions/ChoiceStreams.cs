using System.Threading.Channels;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Completions;

/// <summary>
/// Owns the n worker calls of one streamed completion: opens them, waits for each one's
/// first response, and merges their responses in arrival order. Disposing cancels them all.
/// </summary>
public sealed class ChoiceStreams : IAsyncDisposable
{
    private readonly IAsyncEnumerator<GenerateResponse>[] _streams;
    private readonly CancellationTokenSource _siblings;
    private bool[] _hasFirst = [];

    private ChoiceStreams(IAsyncEnumerator<GenerateResponse>[] streams, CancellationTokenSource siblings)
    {
        _streams = streams;
        _siblings = siblings;
    }

    public static ChoiceStreams Open(CompletionPlan plan, string completionId, WorkerClient worker, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(worker);
        var siblings = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var streams = Enumerable.Range(0, plan.Choices)
            .Select(index => worker.GenerateAsync(WorkerRequestFactory.Create(plan, index, completionId), siblings.Token)
                .GetAsyncEnumerator(siblings.Token))
            .ToArray();
        return new ChoiceStreams(streams, siblings);
    }

    /// <summary>Completes once every call has answered once; throws the worker's refusal if there is one.</summary>
    public async Task WaitForFirstResponsesAsync() =>
        _hasFirst = await ChoiceTasks.WhenAll(_streams.Select(MoveNextOrCancelSiblingsAsync).ToArray());

    /// <summary>(choice index, response) pairs as they arrive; faults with the first failure.</summary>
    public IAsyncEnumerable<(int Index, GenerateResponse Response)> ReadAllAsync(CancellationToken cancellation)
    {
        var merged = Channel.CreateUnbounded<(int, GenerateResponse)>(new UnboundedChannelOptions { SingleReader = true });
        var pumps = Enumerable.Range(0, _streams.Length).Select(index => PumpAsync(index, merged.Writer)).ToArray();
        _ = CompleteWhenDoneAsync(pumps, merged.Writer);
        return merged.Reader.ReadAllAsync(cancellation);
    }

    private async Task<bool> PumpAsync(int index, ChannelWriter<(int, GenerateResponse)> merged)
    {
        var stream = _streams[index];
        if (!_hasFirst[index])
            return true;
        do
        {
            await merged.WriteAsync((index, stream.Current));
        }
        while (await MoveNextOrCancelSiblingsAsync(stream));
        return true;
    }

    private static async Task CompleteWhenDoneAsync(Task<bool>[] pumps, ChannelWriter<(int, GenerateResponse)> merged)
    {
        try
        {
            await ChoiceTasks.WhenAll(pumps);
            merged.TryComplete();
        }
        catch (Exception error)
        {
            merged.TryComplete(error);
        }
    }

    private async Task<bool> MoveNextOrCancelSiblingsAsync(IAsyncEnumerator<GenerateResponse> stream)
    {
        try
        {
            return await stream.MoveNextAsync();
        }
        catch
        {
            // The completion has failed: stop generating its other choices.
            await _siblings.CancelAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _siblings.CancelAsync();
        foreach (var stream in _streams)
        {
            try
            {
                await stream.DisposeAsync();
            }
            catch (OperationCanceledException)
            {
                // Cancelled on purpose just above.
            }
        }
        _siblings.Dispose();
    }
}
