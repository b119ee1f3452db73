using System.Diagnostics;

namespace Kimi.Cluster.Kernels.Diagnostics;

/// <summary>
/// Records the kernel calls of whole steps (between <see cref="BeginStep"/> and <see cref="EndStep"/>)
/// and averages them position by position: how long each call ran, and how long the calling thread
/// spent before it outside the kernels (the other threads idle then). Steps must make the same
/// calls in the same order to be averaged, as every decode step of one batch does. Single-threaded:
/// steps and calls come from the engine's thread.
/// </summary>
public sealed class DispatchTimeline : IDispatchObserver
{
    private readonly List<KernelCall> _calls = [];
    private readonly List<(long Start, long End, KernelCall[] Calls)> _steps = [];
    private long _stepStart = -1;

    /// <summary>Steps recorded.</summary>
    public int Steps => _steps.Count;

    public void BeginStep()
    {
        _calls.Clear();
        _stepStart = Stopwatch.GetTimestamp();
    }

    public void EndStep()
    {
        if (_stepStart < 0)
            throw new InvalidOperationException("EndStep without BeginStep");
        _steps.Add((_stepStart, Stopwatch.GetTimestamp(), [.. _calls]));
        _stepStart = -1;
    }

    public void Ran(in KernelCall call)
    {
        if (_stepStart >= 0)
            _calls.Add(call);
    }

    /// <summary>Records a step whose times are given (for tests and replays).</summary>
    public void AddStep(long start, long end, IReadOnlyList<KernelCall> calls) => _steps.Add((start, end, [.. calls]));

    /// <summary>
    /// The mean over the recorded steps of each call's run time and the time before it, with the
    /// time after the last call; null when the steps made different calls (by job and items).
    /// </summary>
    public TimelineSummary? Summarize()
    {
        if (_steps.Count == 0)
            return null;
        var first = _steps[0].Calls;
        foreach (var step in _steps)
        {
            if (step.Calls.Length != first.Length)
                return null;
            for (int i = 0; i < first.Length; i++)
            {
                if (step.Calls[i].Job != first[i].Job || step.Calls[i].Items != first[i].Items)
                    return null;
            }
        }
        var before = new double[first.Length];
        var run = new double[first.Length];
        double after = 0, total = 0;
        foreach (var (start, end, calls) in _steps)
        {
            long previous = start;
            for (int i = 0; i < calls.Length; i++)
            {
                before[i] += Microseconds(calls[i].Start - previous);
                run[i] += Microseconds(calls[i].End - calls[i].Start);
                previous = calls[i].End;
            }
            after += Microseconds(end - previous);
            total += Microseconds(end - start);
        }
        int n = _steps.Count;
        var positions = first.Select((call, i) => new TimelineEntry(call.Job, call.Items, call.WeightBytes, before[i] / n, run[i] / n)).ToArray();
        return new TimelineSummary(positions, after / n, total / n, n);
    }

    private static double Microseconds(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
}

/// <summary>One position of an averaged step: the call, the mean time before it outside the kernels, and its mean run time (µs).</summary>
public sealed record TimelineEntry(string Job, int Items, long WeightBytes, double BeforeMicroseconds, double RunMicroseconds)
{
    /// <summary>Weight GB/s of the call at its mean run time; null when it reads no weight matrices.</summary>
    public double? WeightGigabytesPerSecond => WeightBytes > 0 && RunMicroseconds > 0 ? WeightBytes / RunMicroseconds / 1e3 : null;
}

/// <summary>A step averaged over <see cref="Steps"/> recorded ones: its calls in order, the time after the last, and the whole step (µs).</summary>
public sealed record TimelineSummary(IReadOnlyList<TimelineEntry> Calls, double AfterMicroseconds, double StepMicroseconds, int Steps)
{
    public double InKernelsMicroseconds => Calls.Sum(c => c.RunMicroseconds);

    public double BetweenKernelsMicroseconds => Calls.Sum(c => c.BeforeMicroseconds) + AfterMicroseconds;
}
