using System.Runtime.InteropServices;

namespace Kimi.Cluster.Scheduling;

public sealed partial class Scheduler<TRequest>
{
    /// <summary>The scheduler's state of one request: its tokens, how far they are computed, its blocks.</summary>
    internal sealed class Sequence(TRequest request)
    {
        public TRequest Request { get; } = request;

        public long Id => Request.Id;

        /// <summary>Prompt then generated tokens; the last one's KV is computed by the next step.</summary>
        public List<int> Tokens { get; } = [.. request.PromptTokens];

        public int PromptLength { get; } = request.PromptTokens.Count;

        /// <summary>The prefix cache's keys of <see cref="Tokens"/>: the request's prompt keys, then the generated tokens.</summary>
        public List<int> CacheKeys { get; } = [.. request.PromptCacheKeys ?? request.PromptTokens];

        public int MaxTokens { get; } = request.MaxTokens;

        public IReadOnlySet<int> StopTokenIds { get; } = request.StopTokenIds;

        /// <summary>Leading tokens whose KV is in <see cref="BlockTable"/>.</summary>
        public int NumComputed { get; set; }

        /// <summary>Leading tokens taken from the prefix cache at admission.</summary>
        public int NumCached { get; set; }

        /// <summary>Tokens in the plan in flight; 0 when not scheduled.</summary>
        public int ScheduledCount { get; set; }

        public List<int> BlockTable { get; } = [];

        /// <summary>Chain hashes of the leading full, computed blocks (registered or not).</summary>
        public List<ulong> BlockHashes { get; } = [];

        public LinkedListNode<Sequence>? WaitingNode { get; set; }

        public bool IsRunning { get; set; }

        public int Pending => Tokens.Count - NumComputed;

        public int OutputCount => Tokens.Count - PromptLength;

        public ReadOnlySpan<int> TokenSpan => CollectionsMarshal.AsSpan(Tokens);

        public ReadOnlySpan<int> CacheKeySpan => CollectionsMarshal.AsSpan(CacheKeys);

        /// <summary>Forgets all KV: after preemption the sequence is recomputed from its tokens.</summary>
        public void ResetComputation()
        {
            NumComputed = 0;
            NumCached = 0;
            ScheduledCount = 0;
            BlockTable.Clear();
            BlockHashes.Clear();
        }
    }
}
