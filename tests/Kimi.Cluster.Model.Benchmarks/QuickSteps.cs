using System.Diagnostics;
using Kimi.Cluster.Kernels;
using Kimi.Cluster.Kernels.Diagnostics;
using Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.Model.Benchmarks;

/// <summary>
/// A quick Stopwatch measurement of the decode step in process: per round, the prefill's time and
/// the decode steps' median, tenth percentile and mean. Set beside the bench tool's ITL from the
/// same minute, it tells the engine's own time from what the router, gRPC and the client add.
/// </summary>
public static class QuickSteps
{
    public static int Run(StepSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var model = settings.Model is { } directory ? LoadedModel.Load(directory) : LoadedModel.CreateBuiltInTiny();
        var kernels = CpuKernels.Shared;
        Console.WriteLine($"{model.ModelId}: {kernels.Description}; batch {settings.Batch}, " +
            $"prompts of {settings.PromptLength}, {settings.NewTokens} new tokens each");
        using var probe = settings.Floor ? new ReadBandwidthProbe(kernels) : null;
        var floor = probe is null ? null : new FloorMeter(() => probe.Measure());
        kernels.Observer = floor;
        DispatchTimeline? timeline = null;
        int firstMeasuredWindow = 0;
        try
        {
            for (int round = 0; round < settings.Rounds; round++)
            {
                using var decode = new DecodeRound(model, settings.Batch, settings.PromptLength, settings.NewTokens, round);
                if (settings.Timeline && round == settings.Rounds - 1)
                {
                    timeline = new DispatchTimeline();
                    if (floor is null)
                        kernels.Observer = timeline;
                    else
                        floor.Next = timeline;
                }
                long start = Stopwatch.GetTimestamp();
                decode.Prefill();
                double prefill = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                int firstWindow = floor?.Windows.Count ?? 0;
                if (round == 1)
                    firstMeasuredWindow = firstWindow;
                var steps = new List<double>();
                while (true)
                {
                    // The meter's probe between windows runs in BeginStep and EndStep, outside the step's time.
                    floor?.BeginStep();
                    long stepStart = Stopwatch.GetTimestamp();
                    timeline?.BeginStep();
                    if (!decode.DecodeStep())
                        break;
                    timeline?.EndStep();
                    steps.Add(Stopwatch.GetElapsedTime(stepStart).TotalMilliseconds);
                    floor?.EndStep(steps[^1]);
                }
                floor?.Flush();
                steps.Sort();
                Console.WriteLine($"round {round}: prefill {prefill:F1} ms; {steps.Count} decode steps: median {steps[steps.Count / 2]:F3} ms, " +
                    $"p10 {steps[steps.Count / 10]:F3} ms, mean {steps.Average():F3} ms" + (round == 0 ? " (warm-up)" : ""));
                if (floor is not null)
                    FloorReport.PrintRound(floor, firstWindow);
            }
        }
        finally
        {
            kernels.Observer = null;
        }
        if (floor is not null)
            FloorReport.PrintTotal(floor, firstMeasuredWindow);
        if (timeline is not null)
            TimelineReport.Print(timeline);
        return 0;
    }
}
