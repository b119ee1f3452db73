namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>A clock that moves only when the test says so.</summary>
public sealed class ManualTime : TimeProvider
{
    private long _utcTicks = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    /// <summary>The time <see cref="GetUtcNow"/> answers; settable.</summary>
    public DateTimeOffset Now
    {
        get => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _utcTicks, value.UtcTicks);
    }

    public override DateTimeOffset GetUtcNow() => Now;

    /// <summary>Timestamps follow the same clock (ticks), so elapsed times move only with the clock.</summary>
    public override long GetTimestamp() => Interlocked.Read(ref _utcTicks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}
