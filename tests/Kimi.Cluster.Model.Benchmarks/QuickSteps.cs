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
        Console.WriteLine($"{model.ModelId}: {CpuKernels.Shared.Description}; batch {settings.Batch}, " +
            $"prompts of {settings.PromptLength}, {settings.NewTokens} new tokens each");
        DispatchTimeline? timeline = null;
        for (int round = 0; round < settings.Rounds; round++)
        {
            using var decode = new DecodeRound(model, settings.Batch, settings.PromptLength, settings.NewTokens, round);
            if (settings.Timeline && round == settings.Rounds - 1)
                CpuKernels.Shared.Observer = timeline = new DispatchTimeline();
            long start = Stopwatch.GetTimestamp();
            decode.Prefill();
            double prefill = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var steps = new List<double>();
            while (true)
            {
                long stepStart = Stopwatch.GetTimestamp();
                timeline?.BeginStep();
                if (!decode.DecodeStep())
                    break;
                timeline?.EndStep();
                steps.Add(Stopwatch.GetElapsedTime(stepStart).TotalMilliseconds);
            }
            steps.Sort();
            Console.WriteLine($"round {round}: prefill {prefill:F1} ms; {steps.Count} decode steps: median {steps[steps.Count / 2]:F3} ms, " +
                $"p10 {steps[steps.Count / 10]:F3} ms, mean {steps.Average():F3} ms" + (round == 0 ? " (warm-up)" : ""));
        }
        CpuKernels.Shared.Observer = null;
        if (timeline is not null)
            TimelineReport.Print(timeline);
        return 0;
    }
}
