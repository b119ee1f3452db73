using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Kimi.Cluster.Model.Engine;

namespace Kimi.Cluster.Model.Benchmarks;

/// <summary>
/// The engine's decode step at batch 1 and 8, in process. Each iteration starts fresh sequences and
/// fills their prompts outside the measurement, then times <see cref="Steps"/> decode steps; the
/// reported time is per step. The checkpoint comes from KIMI_BENCH_MODEL (the built-in tiny model
/// when unset). It runs in this process: the project BenchmarkDotNet would generate for a process
/// of its own lacks the build step that makes TorchSharp's native library load here.
/// </summary>
[Config(typeof(InProcessMonitoring))]
public class DecodeStepBenchmarks
{
    /// <summary>The variable that names the checkpoint directory.</summary>
    public const string ModelVariable = "KIMI_BENCH_MODEL";

    private const int Steps = 32;

    private LoadedModel? _model;
    private DecodeRound? _round;
    private int _rounds;

    [Params(1, 8)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void LoadModel() => _model = Environment.GetEnvironmentVariable(ModelVariable) is { Length: > 0 } directory
        ? LoadedModel.Load(directory)
        : LoadedModel.CreateBuiltInTiny();

    [IterationSetup]
    public void StartSequences()
    {
        _round = new DecodeRound(_model!, Batch, promptLength: 64, newTokens: Steps + 1, _rounds++);
        _round.Prefill();
    }

    [Benchmark(OperationsPerInvoke = Steps)]
    public void DecodeSteps()
    {
        for (int i = 0; i < Steps; i++)
            _round!.DecodeStep();
    }

    [IterationCleanup]
    public void EndSequences() => _round?.Dispose();

    [GlobalCleanup]
    public void Unload() => _model?.Dispose();

    /// <summary>Few iterations without a steady state to find: each one is a fresh round of steps.</summary>
    private sealed class InProcessMonitoring : ManualConfig
    {
        public InProcessMonitoring() => AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(10)
            .WithToolchain(InProcessEmitToolchain.Instance));
    }
}
