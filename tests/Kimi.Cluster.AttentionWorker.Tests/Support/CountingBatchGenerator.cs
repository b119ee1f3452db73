using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>
/// A stand-in for the engine with predictable output: token k of a sequence is
/// (last prompt token + k + 1) mod vocab, logprob -1. Records each batch's size, and can
/// hold a batch at its first token until released, so tests can queue requests behind it.
/// </summary>
public sealed class CountingBatchGenerator : IBatchGenerator
{
    private readonly List<int> _batchSizes = [];
    private readonly ManualResetEventSlim _gate;

    public CountingBatchGenerator(bool startOpen = true) => _gate = new ManualResetEventSlim(startOpen);

    public ModelDescriptor Model { get; } = new("fake-model", 100, 64, [2], DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    /// <summary>Set when a batch is waiting at the gate.</summary>
    public ManualResetEventSlim Holding { get; } = new();

    public IReadOnlyList<int> BatchSizes
    {
        get { lock (_batchSizes) return [.. _batchSizes]; }
    }

    /// <summary>The requests of the latest batch, as the engine received them (with their cancellation).</summary>
    public IReadOnlyList<GenerationRequest> LastBatch { get; private set; } = [];

    public void Release() => _gate.Set();

    public IReadOnlyList<GenerationResult> Generate(
        IReadOnlyList<GenerationRequest> requests, Action<int, GeneratedToken> onToken)
    {
        lock (_batchSizes)
            _batchSizes.Add(requests.Count);
        LastBatch = requests;
        Holding.Set();
        _gate.Wait(TimeSpan.FromSeconds(30));
        return requests.Select((request, index) => Run(request, token => onToken(index, token))).ToArray();
    }

    private GenerationResult Run(GenerationRequest request, Action<GeneratedToken> onToken)
    {
        var tokens = new List<GeneratedToken>();
        int previous = request.PromptTokenIds[^1];
        while (tokens.Count < request.Sampling.MaxTokens)
        {
            if (request.Cancellation.IsCancellationRequested)
                return new GenerationResult(tokens, FinishReason.Cancelled, request.PromptTokenIds.Count);
            previous = (previous + 1) % Model.VocabSize;
            var alternatives = Enumerable.Range(0, request.Sampling.Logprobs).Select(k => new TokenLogprob(k, -2f)).ToArray();
            var token = new GeneratedToken(previous, -1f, alternatives);
            tokens.Add(token);
            onToken(token);
            if (request.Sampling.StopTokenIds.Contains(previous))
                return new GenerationResult(tokens, FinishReason.Stop, request.PromptTokenIds.Count);
        }
        return new GenerationResult(tokens, FinishReason.Length, request.PromptTokenIds.Count);
    }

    public void Dispose()
    {
        _gate.Dispose();
        Holding.Dispose();
    }
}
