using System.Diagnostics.CodeAnalysis;

namespace Kimi.Cluster.Scheduling;

/// <summary>
/// Owns the queue and the step plan of every request (vLLM-v1 style): a bounded FCFS waiting
/// queue, the running sequences and their KV blocks. <see cref="Schedule"/> plans one step,
/// <see cref="Update"/> folds its sampled tokens back in; the two alternate. It is the one registry
/// of requests: the <typeparamref name="TRequest"/> objects it holds (with whatever state the
/// caller keeps in them) come back in its plans and finished sequences. Not thread-safe: one
/// engine loop drives it.
/// </summary>
public sealed partial class Scheduler<TRequest> where TRequest : SequenceRequest
{
    private readonly LinkedList<Sequence> _waiting = new();
    // Oldest admission first: preemption takes from the end.
    private readonly List<Sequence> _running = [];
    private readonly Dictionary<long, Sequence> _active = [];
    private List<Sequence>? _inFlight;

    public Scheduler(SchedulerConfig config, CacheSize cacheSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(cacheSize);
        Config = config;
        Blocks = new BlockAllocator(cacheSize);
        PrefixCache = new PrefixCache(Blocks);
    }

    public SchedulerConfig Config { get; }

    /// <summary>The KV block pool (read it for metrics; allocation goes through <see cref="PrefixCache"/>).</summary>
    public BlockAllocator Blocks { get; }

    internal PrefixCache PrefixCache { get; }

    public int WaitingCount => _waiting.Count;

    public int RunningCount => _running.Count;

    /// <summary>Prompt tokens looked up in the prefix cache so far (vLLM's prefix-cache queries).</summary>
    public long PrefixQueryTokens { get; private set; }

    /// <summary>Of those, the tokens found cached (vLLM's prefix-cache hits).</summary>
    public long PrefixHitTokens { get; private set; }

    /// <summary>Whether any request is queued or running.</summary>
    public bool HasWork => _active.Count > 0;

    /// <summary>Requests queued or running.</summary>
    public int Count => _active.Count;

    /// <summary>
    /// Queues a request, or refuses it: at once and for good when it could never run (too long
    /// for the context or the whole cache), or for now when the queue is full.
    /// </summary>
    public bool TryAdd(TRequest request, [NotNullWhen(false)] out Refusal? refusal)
    {
        ArgumentNullException.ThrowIfNull(request);
        refusal = Check(request);
        if (refusal is not null)
            return false;
        var sequence = new Sequence(request);
        sequence.WaitingNode = _waiting.AddLast(sequence);
        _active.Add(sequence.Id, sequence);
        return true;
    }

    /// <summary>Drops a queued or running request and frees its blocks now; false if unknown or finished.</summary>
    public bool Cancel(long id) => Cancel(id, out _);

    /// <summary>Drops a queued or running request and frees its blocks now; false if unknown or finished.</summary>
    public bool Cancel(long id, [NotNullWhen(true)] out TRequest? request)
    {
        request = null;
        if (!_active.Remove(id, out var sequence))
            return false;
        request = sequence.Request;
        if (sequence.WaitingNode is { } node)
        {
            // Waiting sequences hold no blocks: preemption released them.
            _waiting.Remove(node);
            sequence.WaitingNode = null;
            return true;
        }
        ReleaseBlocks(sequence);
        _running.Remove(sequence);
        sequence.IsRunning = false;
        return true;
    }

    /// <summary>Drops every request (the loop is stopping); returns them.</summary>
    public IReadOnlyList<TRequest> CancelAll()
    {
        var requests = _active.Values.Select(s => s.Request).ToList();
        foreach (var request in requests)
            Cancel(request.Id);
        return requests;
    }

    private Refusal? Check(TRequest request)
    {
        var prompt = request.PromptTokens?.Count ?? 0;
        if (prompt == 0 || request.MaxTokens < 1)
            return new(RefusalReason.Invalid, "The prompt must hold a token and max tokens must be at least 1.");
        if (request.PromptCacheKeys is { } keys && keys.Count != prompt)
            return new(RefusalReason.Invalid, $"The prompt's cache keys ({keys.Count}) must match its tokens ({prompt}).");
        var total = (long)prompt + request.MaxTokens;
        if (total > Config.MaxModelLength)
            return new(RefusalReason.ExceedsContext,
                $"Prompt ({prompt} tokens) plus max tokens ({request.MaxTokens}) exceed the model's context of {Config.MaxModelLength} tokens.");
        if (total > (long)Blocks.Capacity * Blocks.BlockSize)
            return new(RefusalReason.ExceedsCache,
                $"Prompt ({prompt} tokens) plus max tokens ({request.MaxTokens}) exceed the KV cache of {(long)Blocks.Capacity * Blocks.BlockSize} tokens.");
        if (_active.ContainsKey(request.Id))
            return new(RefusalReason.DuplicateId, $"Request {request.Id} is already queued or running.");
        if (_waiting.Count >= Config.MaxWaiting)
            return new(RefusalReason.QueueFull, $"The queue is full ({Config.MaxWaiting} requests waiting); try again later.");
        return null;
    }

    /// <summary>Releases the blocks last first, so a prefix's tail is evicted before its head.</summary>
    private void ReleaseBlocks(Sequence sequence)
    {
        for (var i = sequence.BlockTable.Count - 1; i >= 0; i--)
            PrefixCache.Release(sequence.BlockTable[i]);
        sequence.ResetComputation();
    }
}
