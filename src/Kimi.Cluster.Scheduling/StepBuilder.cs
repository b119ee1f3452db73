namespace Kimi.Cluster.Scheduling;

public sealed partial class Scheduler<TRequest>
{
    /// <summary>Collects one step's scheduled sequences against the token budget.</summary>
    internal sealed class StepBuilder(int budget)
    {
        public int Budget { get; private set; } = budget;

        public List<Sequence> Scheduled { get; } = [];

        public List<long> Preempted { get; } = [];

        public void Add(Sequence sequence, int count)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Budget);
            sequence.ScheduledCount = count;
            Budget -= count;
            Scheduled.Add(sequence);
        }

        public StepPlan<TRequest> ToPlan() => new([.. Scheduled.Select(ToScheduled)], [.. Preempted]);

        private static ScheduledSequence<TRequest> ToScheduled(Sequence s) => new(
            s.Request,
            s.NumComputed,
            s.ScheduledCount,
            s.Tokens.GetRange(s.NumComputed, s.ScheduledCount),
            [.. s.BlockTable],
            s.NumCached,
            s.NumComputed + s.ScheduledCount == s.Tokens.Count);
    }
}
