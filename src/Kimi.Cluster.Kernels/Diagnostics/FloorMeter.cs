namespace Kimi.Cluster.Kernels.Diagnostics;

/// <summary>
/// Decode steps against their memory floor, measured together: steps are taken in windows, the
/// machine's read bandwidth is probed before and after each window, and each window's floor is
/// the weight bytes a step reads (as the kernel calls report them) over the mean of its two probes.
/// On a machine whose bandwidth moves from minute to minute, a floor probed once beside a run of
/// many steps says little; a window spans a fraction of a second. Single-threaded: steps and calls
/// come from the engine's thread.
/// </summary>
public sealed class FloorMeter : IDispatchObserver
{
    private readonly Func<double> _probe;
    private readonly List<double> _stepMilliseconds = [];
    private readonly List<long> _stepBytes = [];
    private readonly List<FloorWindow> _windows = [];
    private bool _inStep;
    private long _bytes;
    private double _before = double.NaN;

    /// <param name="probe">The read bandwidth now, GB/s (<see cref="ReadBandwidthProbe.Measure"/>).</param>
    /// <param name="windowSteps">Steps per window.</param>
    public FloorMeter(Func<double> probe, int windowSteps = 32)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowSteps);
        _probe = probe;
        WindowSteps = windowSteps;
    }

    public int WindowSteps { get; }

    /// <summary>The windows closed so far, in order.</summary>
    public IReadOnlyList<FloorWindow> Windows => _windows;

    /// <summary>Also told of every call (a <see cref="DispatchTimeline"/>, say); null for none.</summary>
    public IDispatchObserver? Next { get; set; }

    /// <summary>
    /// Starts a step (probing first when no window is open, so before the caller starts timing it);
    /// its kernel calls' weight bytes are counted until it ends.
    /// </summary>
    public void BeginStep()
    {
        if (double.IsNaN(_before))
            _before = _probe();
        _bytes = 0;
        _inStep = true;
    }

    /// <summary>Ends the step begun last, which the caller timed at <paramref name="milliseconds"/>; probes when it closes a window.</summary>
    public void EndStep(double milliseconds)
    {
        if (!_inStep)
            throw new InvalidOperationException("EndStep without BeginStep");
        _stepMilliseconds.Add(milliseconds);
        _stepBytes.Add(_bytes);
        _inStep = false;
        if (_stepMilliseconds.Count == WindowSteps)
            CloseWindow();
    }

    /// <summary>
    /// Ends the open window early (a round's last steps): kept when it has half a window of steps,
    /// else dropped. A step begun and not ended (the engine had nothing left to run) is dropped.
    /// </summary>
    public void Flush()
    {
        _inStep = false;
        if (_stepMilliseconds.Count * 2 >= WindowSteps)
            CloseWindow();
        _stepMilliseconds.Clear();
        _stepBytes.Clear();
        _before = double.NaN;
    }

    public void Ran(in KernelCall call)
    {
        if (_inStep)
            _bytes += call.WeightBytes;
        Next?.Ran(call);
    }

    /// <summary>The median of the closed windows' floor shares; NaN when none closed.</summary>
    public double MedianShare(int fromWindow = 0) => Median(_windows.Skip(fromWindow).Select(w => w.Share));

    private void CloseWindow()
    {
        double after = _probe();
        _windows.Add(new FloorWindow(_before, after, Median(_stepMilliseconds), (long)Median(_stepBytes.Select(b => (double)b)), _stepMilliseconds.Count));
        _before = after;
        _stepMilliseconds.Clear();
        _stepBytes.Clear();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// One window of steps: the read bandwidth probed before and after it (GB/s), its median step (ms)
/// and the median weight bytes a step read.
/// </summary>
public sealed record FloorWindow(double GigabytesPerSecondBefore, double GigabytesPerSecondAfter, double MedianStepMilliseconds, long WeightBytes, int Steps)
{
    /// <summary>The read bandwidth the window's floor assumes: the mean of its two probes.</summary>
    public double GigabytesPerSecond => (GigabytesPerSecondBefore + GigabytesPerSecondAfter) / 2;

    /// <summary>The time reading a step's weight bytes once takes at that bandwidth (ms).</summary>
    public double FloorMilliseconds => WeightBytes / GigabytesPerSecond / 1e6;

    /// <summary>The floor over the median step: 1 would be a step that only reads its weights.</summary>
    public double Share => FloorMilliseconds / MedianStepMilliseconds;
}
