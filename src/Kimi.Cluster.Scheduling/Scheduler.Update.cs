namespace Kimi.Cluster.Scheduling;

public sealed partial class Scheduler<TRequest>
{
    /// <summary>
    /// Folds the step's results back in: every scheduled sequence has its tokens computed, newly
    /// full blocks enter the prefix cache, and each sequence that reached its end takes its sampled
    /// token. This is where a sequence finishes, and the only place: it stops on one of its stop
    /// tokens or reaches its length (max tokens or the model's context), and frees its blocks. Results for
    /// sequences cancelled since the plan are ignored.
    /// </summary>
    public IReadOnlyList<FinishedSequence<TRequest>> Update(IReadOnlyList<SampledToken> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var step = _inFlight ?? [];
        _inFlight = null;
        var sampled = results.ToDictionary(r => r.Id);
        var finished = new List<FinishedSequence<TRequest>>();
        foreach (var sequence in step)
        {
            if (!sequence.IsRunning || sequence.ScheduledCount == 0)
                continue;
            sequence.NumComputed += sequence.ScheduledCount;
            sequence.ScheduledCount = 0;
            RegisterComputedBlocks(sequence);
            // A prefill chunk short of the prompt's end samples nothing.
            if (sequence.Pending > 0)
                continue;
            if (!sampled.TryGetValue(sequence.Id, out var token))
                throw new ArgumentException($"No sampled token for sequence {sequence.Id}.", nameof(results));
            if (Append(sequence, token) is { } done)
                finished.Add(done);
        }
        return finished;
    }

    private FinishedSequence<TRequest>? Append(Sequence sequence, SampledToken token)
    {
        sequence.Tokens.Add(token.Token);
        sequence.CacheKeys.Add(token.Token);
        FinishReason? reason = sequence.StopTokenIds.Contains(token.Token) ? FinishReason.Stop
            : sequence.OutputCount >= sequence.MaxTokens || sequence.Tokens.Count >= Config.MaxModelLength ? FinishReason.Length
            : null;
        if (reason is null)
            return null;
        var outputs = sequence.OutputCount;
        ReleaseBlocks(sequence);
        _running.Remove(sequence);
        _active.Remove(sequence.Id);
        sequence.IsRunning = false;
        return new FinishedSequence<TRequest>(sequence.Request, reason.Value, outputs);
    }

    /// <summary>Extends the sequence's hash chain over its newly computed full blocks and caches them.</summary>
    private void RegisterComputedBlocks(Sequence sequence)
    {
        var size = Blocks.BlockSize;
        var full = sequence.NumComputed / size;
        for (var i = sequence.BlockHashes.Count; i < full; i++)
        {
            var parent = i == 0 ? PrefixCache.RootHash : sequence.BlockHashes[i - 1];
            var tokens = sequence.CacheKeySpan.Slice(i * size, size);
            var hash = PrefixCache.ChainHash(parent, tokens);
            PrefixCache.Register(sequence.BlockTable[i], parent, hash, tokens);
            sequence.BlockHashes.Add(hash);
        }
    }
}
