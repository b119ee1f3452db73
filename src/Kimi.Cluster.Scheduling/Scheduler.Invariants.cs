namespace Kimi.Cluster.Scheduling;

public sealed partial class Scheduler<TRequest>
{
    /// <summary>
    /// Recounts the books and throws if they disagree: every block's refcount equals the number
    /// of sequences holding it, a block held by two sequences is a shared prefix-cache block, no
    /// sequence holds more blocks than its tokens need, and no request is in two places.
    /// </summary>
    internal void CheckInvariants()
    {
        PrefixCache.CheckInvariants();
        var owners = new Dictionary<int, int>();
        foreach (var sequence in _running)
        {
            CheckSequence(sequence);
            foreach (var block in sequence.BlockTable)
                owners[block] = owners.GetValueOrDefault(block) + 1;
        }
        foreach (var (block, count) in owners)
        {
            if (Blocks.RefCount(block) != count)
                throw new InvalidOperationException($"Block {block} is held by {count} sequences but has {Blocks.RefCount(block)} references.");
            if (count > 1 && !PrefixCache.IsCached(block))
                throw new InvalidOperationException($"Block {block} is held by {count} sequences without being a cached prefix block.");
        }
        if (owners.Count != Blocks.UsedCount)
            throw new InvalidOperationException($"{Blocks.UsedCount} blocks are used but sequences hold {owners.Count}.");
        if (_waiting.Any(s => s.BlockTable.Count > 0 || s.IsRunning) || _active.Count != _waiting.Count + _running.Count)
            throw new InvalidOperationException("A waiting sequence holds blocks, or a request is lost or counted twice.");
        if (_running.Count > Config.MaxRunning)
            throw new InvalidOperationException($"{_running.Count} sequences run, above the limit of {Config.MaxRunning}.");
    }

    private void CheckSequence(Sequence sequence)
    {
        var tokens = sequence.NumComputed + sequence.ScheduledCount;
        if (sequence.BlockTable.Count != Blocks.BlocksFor(tokens) || sequence.BlockTable.Distinct().Count() != sequence.BlockTable.Count)
            throw new InvalidOperationException($"Sequence {sequence.Id} holds {sequence.BlockTable.Count} blocks for {tokens} tokens.");
        if (!sequence.IsRunning || sequence.NumComputed > sequence.Tokens.Count || sequence.NumCached > sequence.NumComputed)
            throw new InvalidOperationException($"Sequence {sequence.Id} is in an impossible state.");
    }
}
