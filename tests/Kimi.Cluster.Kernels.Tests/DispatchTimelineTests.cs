using System.Diagnostics;
using Kimi.Cluster.Kernels.Diagnostics;
using Kimi.Cluster.Kernels.Tests.Reference;

namespace Kimi.Cluster.Kernels.Tests;

public sealed class DispatchTimelineTests
{
    [Theory]
    [InlineData(1)] // every call on the calling thread alone
    [InlineData(2)]
    public void Observer_IsToldOfEachCall_InOrder_WithItsJobItemsWeightBytesAndTimes(int threads)
    {
        var random = new Random(3);
        using var first = TestMatrix.Random(FormatCases.Shape("bf16", 64, 256), random);
        using var second = TestMatrix.Random(FormatCases.Shape("int4-g32", 32, 256), random);
        var experts = new List<TestExpert?> { TestExpert.Random("bf16", 256, 64, random), TestExpert.Random("bf16", 256, 64, random) };
        try
        {
            using var kernels = FormatCases.Kernels(CpuKernels.BestIsa, threads);
            var recorder = new RecordingObserver();
            kernels.Observer = recorder;
            var x = ReferenceMath.RandomInputs(256, random);
            long before = Stopwatch.GetTimestamp();
            kernels.MatMul(first.Matrix, x, new float[64], 1);
            kernels.MatMul(first.Matrix, second.Matrix, x, new float[64], new float[32], 1);
            kernels.ExpertSwiGlu(x, 1, [new ExpertAssignment(0, 0, 0.5f), new ExpertAssignment(0, 1, 0.5f)],
                experts.Select(e => e?.Weights).ToList(), new float[256]);
            long after = Stopwatch.GetTimestamp();

            Assert.Equal(["MatMulJob", "MatMulJob", "ExpertJob", "ExpertJob"], recorder.Calls.Select(c => c.Job));
            Assert.Equal(first.Matrix.StoredBytes, recorder.Calls[0].WeightBytes);
            Assert.Equal(first.Matrix.StoredBytes + second.Matrix.StoredBytes, recorder.Calls[1].WeightBytes);
            // The grouped experts' two phases: both experts' gate and up, then both downs.
            Assert.Equal(experts.Sum(e => e!.Weights.Gate.StoredBytes + e.Weights.Up.StoredBytes), recorder.Calls[2].WeightBytes);
            Assert.Equal(experts.Sum(e => e!.Weights.Down.StoredBytes), recorder.Calls[3].WeightBytes);
            Assert.All(recorder.Calls, c => Assert.True(c.Items > 0));
            long previous = before;
            foreach (var call in recorder.Calls)
            {
                Assert.True(call.Start >= previous && call.End >= call.Start);
                previous = call.End;
            }
            Assert.True(previous <= after);

            kernels.Observer = null;
            kernels.MatMul(first.Matrix, x, new float[64], 1);
            Assert.Equal(4, recorder.Calls.Count);
        }
        finally
        {
            experts.ForEach(e => e?.Dispose());
        }
    }

    [Fact]
    public void Summary_AveragesEachPositionOverTheSteps_WithTheTimeBeforeEachCallAndAfterTheLast()
    {
        var timeline = new DispatchTimeline();
        long us = Stopwatch.Frequency / 1_000_000;
        // Step 1: 10 µs, call A 20 µs, 5 µs, call B 40 µs, 25 µs after. Step 2: 30, 20, 15, 60, 35.
        timeline.AddStep(0, 100 * us, [new KernelCall("A", 4, 2_000_000, 10 * us, 30 * us), new KernelCall("B", 8, 0, 35 * us, 75 * us)]);
        timeline.AddStep(1000 * us, 1160 * us, [new KernelCall("A", 4, 2_000_000, 1030 * us, 1050 * us), new KernelCall("B", 8, 0, 1065 * us, 1125 * us)]);

        var summary = timeline.Summarize();

        Assert.NotNull(summary);
        Assert.Equal(2, summary.Steps);
        Assert.Equal(["A", "B"], summary.Calls.Select(c => c.Job));
        Assert.Equal(20, summary.Calls[0].BeforeMicroseconds, 6);
        Assert.Equal(20, summary.Calls[0].RunMicroseconds, 6);
        Assert.Equal(10, summary.Calls[1].BeforeMicroseconds, 6);
        Assert.Equal(50, summary.Calls[1].RunMicroseconds, 6);
        Assert.Equal(30, summary.AfterMicroseconds, 6);
        Assert.Equal(130, summary.StepMicroseconds, 6);
        Assert.Equal(70, summary.InKernelsMicroseconds, 6);
        Assert.Equal(60, summary.BetweenKernelsMicroseconds, 6);
        Assert.Equal(100, summary.Calls[0].WeightGigabytesPerSecond!.Value, 6); // 2 MB in 20 µs
        Assert.Null(summary.Calls[1].WeightGigabytesPerSecond);
    }

    [Fact]
    public void Summary_IsNull_WhenStepsMadeDifferentCalls_OrNoneWasRecorded()
    {
        var timeline = new DispatchTimeline();
        Assert.Null(timeline.Summarize());
        timeline.AddStep(0, 10, [new KernelCall("A", 4, 0, 1, 2)]);
        timeline.AddStep(20, 30, [new KernelCall("A", 5, 0, 21, 22)]);
        Assert.Null(timeline.Summarize());
    }

    [Fact]
    public void Timeline_RecordsOnlyTheCallsInsideAStep()
    {
        var timeline = new DispatchTimeline();
        timeline.Ran(new KernelCall("outside", 1, 0, 0, 1));
        timeline.BeginStep();
        timeline.Ran(new KernelCall("inside", 2, 0, Stopwatch.GetTimestamp(), Stopwatch.GetTimestamp()));
        timeline.EndStep();
        timeline.Ran(new KernelCall("outside", 1, 0, 0, 1));

        Assert.Equal(["inside"], timeline.Summarize()!.Calls.Select(c => c.Job));
        Assert.Throws<InvalidOperationException>(timeline.EndStep);
    }
}
