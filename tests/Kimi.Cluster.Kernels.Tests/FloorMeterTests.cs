using Kimi.Cluster.Kernels.Diagnostics;
using Kimi.Cluster.Kernels.Tests.Reference;

namespace Kimi.Cluster.Kernels.Tests;

/// <summary>Decode steps against their memory floor: windows, probes, bytes and shares.</summary>
public sealed class FloorMeterTests
{
    [Fact]
    public void Windows_CloseEveryNSteps_WithTheProbesAroundThemAndTheMedians()
    {
        var probes = new Queue<double>([40, 60, 50, 70]);
        var meter = new FloorMeter(() => probes.Dequeue(), windowSteps: 3);
        // Window 1: steps of 2, 4, 3 ms reading 100 MB; window 2: 1, 5, 2 ms reading 100, 100, 120 MB.
        Step(meter, 2, 60_000_000, 40_000_000);
        Step(meter, 4, 100_000_000);
        Step(meter, 3, 100_000_000);
        Step(meter, 1, 100_000_000);
        Step(meter, 5, 100_000_000);
        Step(meter, 2, 120_000_000);

        Assert.Equal(2, meter.Windows.Count);
        var first = meter.Windows[0];
        Assert.Equal((40, 60, 3, 100_000_000L, 3), (first.GigabytesPerSecondBefore, first.GigabytesPerSecondAfter, first.MedianStepMilliseconds, first.WeightBytes, first.Steps));
        Assert.Equal(50, first.GigabytesPerSecond, 9);
        Assert.Equal(2, first.FloorMilliseconds, 9);       // 100 MB at 50 GB/s
        Assert.Equal(2.0 / 3, first.Share, 9);
        var second = meter.Windows[1];
        Assert.Equal((60, 50, 2, 100_000_000L), (second.GigabytesPerSecondBefore, second.GigabytesPerSecondAfter, second.MedianStepMilliseconds, second.WeightBytes));
        Assert.Equal(100.0 / 55 / 2, second.Share, 9);
        Assert.Equal((2.0 / 3 + 100.0 / 55 / 2) / 2, meter.MedianShare(), 9);
        Assert.Equal(100.0 / 55 / 2, meter.MedianShare(fromWindow: 1), 9);
        Assert.Single(probes); // three probes: before the first window, between them, after the second
    }

    [Fact]
    public void Flush_KeepsAWindowOfHalfItsStepsOrMore_DropsAShorterOne_AndProbesAfresh()
    {
        var probes = new Queue<double>([50, 50, 60, 60, 70]);
        var meter = new FloorMeter(() => probes.Dequeue(), windowSteps: 4);
        Step(meter, 2, 100_000_000);
        Step(meter, 2, 100_000_000);
        meter.Flush();
        Step(meter, 2, 100_000_000);
        meter.BeginStep(); // begun, never ended: the engine had nothing left to run
        meter.Flush();

        var window = Assert.Single(meter.Windows);
        Assert.Equal(2, window.Steps);
        Assert.Equal((50, 50), (window.GigabytesPerSecondBefore, window.GigabytesPerSecondAfter));
        Assert.Equal(2, probes.Count); // the dropped window's opening probe was taken, its closing one not
        Assert.True(double.IsNaN(new FloorMeter(() => 1).MedianShare()));
    }

    [Fact]
    public void Calls_CountOnlyInsideAStep_AndReachTheNextObserver()
    {
        var next = new RecordingObserver();
        var meter = new FloorMeter(() => 50, windowSteps: 1) { Next = next };
        meter.Ran(new KernelCall("Outside", 1, 7_000_000, 0, 1));
        Step(meter, 1, 1_000_000, 2_000_000);

        Assert.Equal(3_000_000, meter.Windows.Single().WeightBytes);
        Assert.Equal(["Outside", "Step", "Step"], next.Calls.Select(c => c.Job));
    }

    [Fact]
    public void Probe_ReadsItsWholeBufferOnTheKernelsThreads_AndReportsAFiniteRate()
    {
        using var kernels = FormatCases.Kernels(CpuKernels.BestIsa, 2);
        using var probe = new ReadBandwidthProbe(kernels, bytes: 3L << 20);
        var recorder = new RecordingObserver();
        kernels.Observer = recorder;

        double rate = probe.Measure(passes: 2);

        Assert.True(double.IsFinite(rate) && rate > 0, $"{rate} GB/s");
        // Whole 256-byte blocks in each of 16 items a thread: at most 32 blocks short of the request.
        Assert.InRange(probe.Bytes, (3L << 20) - 32 * 256, 3L << 20);
        Assert.Equal(2, recorder.Calls.Count);
        Assert.All(recorder.Calls, c => Assert.Equal((32, 0L), (c.Items, c.WeightBytes)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReadBandwidthProbe(kernels, bytes: 1000));
    }

    private static void Step(FloorMeter meter, double milliseconds, params long[] callBytes)
    {
        meter.BeginStep();
        foreach (long bytes in callBytes)
            meter.Ran(new KernelCall("Step", 1, bytes, 0, 1));
        meter.EndStep(milliseconds);
    }
}
