namespace Kimi.Cluster.Scheduling;

public sealed partial class Scheduler<TRequest>
{
    /// <summary>
    /// Plans one step under the token budget: every running decode first (one token each), then
    /// prefill chunks of running sequences, then admissions from the queue in FCFS order. A decode
    /// that finds no block preempts the newest running sequence.
    /// </summary>
    public StepPlan<TRequest> Schedule()
    {
        if (_inFlight is not null)
            throw new InvalidOperationException("Update the previous step's results before planning the next step.");
        var step = new StepBuilder(Config.MaxBatchTokens);
        ScheduleDecodes(step);
        ScheduleRunningPrefills(step);
        // Admitting right after a preemption would only thrash: the freed blocks go to the running.
        if (step.Preempted.Count == 0)
            AdmitWaiting(step);
        _inFlight = step.Scheduled.Count > 0 ? step.Scheduled : null;
        return step.ToPlan();
    }

    private void ScheduleDecodes(StepBuilder step)
    {
        foreach (var sequence in _running.ToArray())
        {
            if (step.Budget == 0)
                return;
            // Skip sequences preempted for an older one in this loop, and those still prefilling.
            if (!sequence.IsRunning || sequence.Pending != 1)
                continue;
            if (GrowOrPreempt(sequence, step))
                step.Add(sequence, 1);
        }
    }

    private void ScheduleRunningPrefills(StepBuilder step)
    {
        foreach (var sequence in _running)
        {
            if (step.Budget == 0)
                return;
            if (sequence.ScheduledCount > 0)
                continue;
            // Prefills never preempt: they take what fits and wait for decodes to finish or free.
            var count = FitChunk(sequence, Math.Min(sequence.Pending, step.Budget));
            if (count > 0)
                step.Add(sequence, count);
        }
    }

    private void AdmitWaiting(StepBuilder step)
    {
        while (_waiting.First is { } node && step.Budget > 0 && _running.Count < Config.MaxRunning)
        {
            var sequence = node.Value;
            AttachCachedPrefix(sequence);
            var count = FitChunk(sequence, Math.Min(sequence.Pending, step.Budget));
            if (count == 0)
            {
                // FCFS: a later request does not jump the queue because it is smaller.
                ReleaseBlocks(sequence);
                return;
            }
            _waiting.RemoveFirst();
            sequence.WaitingNode = null;
            sequence.IsRunning = true;
            _running.Add(sequence);
            step.Add(sequence, count);
        }
    }

    /// <summary>Takes the cached full blocks of the prompt; the last token is always computed, for its logits.</summary>
    private void AttachCachedPrefix(Sequence sequence)
    {
        var maxBlocks = (sequence.Tokens.Count - 1) / Blocks.BlockSize;
        var hit = PrefixCache.AcquireLongestPrefix(sequence.CacheKeySpan, maxBlocks);
        sequence.BlockTable.AddRange(hit.Blocks);
        sequence.BlockHashes.AddRange(hit.Hashes);
        sequence.NumComputed = sequence.NumCached = hit.Blocks.Count * Blocks.BlockSize;
        PrefixQueryTokens += sequence.Tokens.Count;
        PrefixHitTokens += sequence.NumCached;
    }

    /// <summary>Gives the sequence a block for one more token, preempting the newest until it fits.</summary>
    private bool GrowOrPreempt(Sequence sequence, StepBuilder step)
    {
        while (!TryGrow(sequence, sequence.NumComputed + 1))
        {
            var victim = _running[^1];
            Preempt(victim, step);
            if (victim == sequence)
                return false;
        }
        return true;
    }

    /// <summary>Shrinks a chunk to the blocks available and allocates them; returns its size.</summary>
    private int FitChunk(Sequence sequence, int wanted)
    {
        var room = (long)(sequence.BlockTable.Count + PrefixCache.AvailableCount) * Blocks.BlockSize - sequence.NumComputed;
        var count = (int)Math.Min(wanted, room);
        if (count > 0 && !TryGrow(sequence, sequence.NumComputed + count))
            throw new InvalidOperationException("Blocks counted as available could not be allocated.");
        return Math.Max(count, 0);
    }

    private bool TryGrow(Sequence sequence, int tokens)
    {
        var needed = Blocks.BlocksFor(tokens) - sequence.BlockTable.Count;
        if (needed > PrefixCache.AvailableCount)
            return false;
        for (var i = 0; i < needed; i++)
        {
            if (!PrefixCache.TryAllocate(out var blockId))
                throw new InvalidOperationException("Blocks counted as available could not be allocated.");
            sequence.BlockTable.Add(blockId);
        }
        return true;
    }

    /// <summary>Frees a running sequence's blocks and queues it first, to be recomputed (its computed full blocks stay cached).</summary>
    private void Preempt(Sequence victim, StepBuilder step)
    {
        // Victims come from the end of the running list, which this step has not reached yet.
        if (victim.ScheduledCount > 0)
            throw new InvalidOperationException($"Sequence {victim.Id} was preempted after being scheduled.");
        ReleaseBlocks(victim);
        _running.Remove(victim);
        victim.IsRunning = false;
        victim.WaitingNode = _waiting.AddFirst(victim);
        step.Preempted.Add(victim.Id);
    }
}
