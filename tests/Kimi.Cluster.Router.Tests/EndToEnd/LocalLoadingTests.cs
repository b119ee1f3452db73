using System.Text.RegularExpressions;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// `local` on a sharded checkpoint: each worker reports what it read and how fast, and a
/// checkpoint that cannot load stops everything with one line naming the tensor, the shard file
/// and the reason (from an expert worker too, whose load fails once and is not retried).
/// </summary>
[Trait("Needs", "Processes")]
public sealed partial class LocalLoadingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly TinyModelSpec Spec = TinyModelSpec.KimiK2Style;
    private static readonly TinyCheckpointOptions ThreeShards = new() { ShardCount = 3 };

    [Fact]
    public async Task EveryWorker_ReportsTheTensorsAndBytesItReadAndItsRate()
    {
        using var directory = new TempDirectory("kimi-sharded");
        TinyCheckpointWriter.Write(directory.Path, Spec, ThreeShards);
        await using var router = RouterProcess.Start("local", "--port", "0", "--model", directory.Path, "--expert-workers", "2");

        await router.WaitUntilReadyAsync(Timeout);

        // Not a terminal here, so the progress comes as log lines, one "Read" line per load.
        var reads = ReadLine().Matches(router.Output).Select(m => (Worker: m.Groups["worker"].Value, Tensors: int.Parse(m.Groups["tensors"].Value))).ToArray();
        Assert.Contains(reads, r => r.Worker == "attention worker");
        Assert.Contains(reads, r => r.Worker == "expert worker 0");
        Assert.Contains(reads, r => r.Worker == "expert worker 1");
        int moeLayers = Enumerable.Range(0, Spec.NumHiddenLayers).Count(Spec.IsMoeLayer);
        Assert.Equal(moeLayers * Spec.NRoutedExperts * 3, reads.Where(r => r.Worker.StartsWith("expert", StringComparison.Ordinal)).Sum(r => r.Tensors));
    }

    [Fact]
    public async Task Local_StopsWithOneLineNamingTheTensor_WhenATensorIsMissing()
    {
        const string name = "model.layers.1.self_attn.kv_a_proj_with_mqa.weight";
        using var directory = new TempDirectory("kimi-missing-tensor");
        TinyCheckpointWriter.WriteWithTensorDropped(directory.Path, Spec, name, ThreeShards);
        await using var router = RouterProcess.Start("local", "--port", "0", "--model", directory.Path);

        int exitCode = await router.WaitForExitAsync(Timeout);

        Assert.Equal(1, exitCode);
        Assert.Contains($"could not load the model: tensor '{name}' is missing from the checkpoint: model.safetensors.index.json", router.Output, StringComparison.Ordinal);
        AssertNoStackTrace(router.Output);
    }

    [Fact]
    public async Task Local_NamesTheShardFileHoldingTheTensor_WhenItHasAWrongShape()
    {
        const string name = "model.layers.2.self_attn.o_proj.weight";
        using var directory = new TempDirectory("kimi-wrong-shape");
        TinyCheckpointWriter.WriteWithShapeAltered(directory.Path, Spec, name, [64, 40], ThreeShards);
        await using var router = RouterProcess.Start("local", "--port", "0", "--model", directory.Path);

        int exitCode = await router.WaitForExitAsync(Timeout);

        Assert.Equal(1, exitCode);
        Assert.Matches($@"could not load the model: tensor '{Regex.Escape(name)}' has shape \[64, 40\] in model-0000\d-of-00003\.safetensors but the config needs", router.Output);
        AssertNoStackTrace(router.Output);
    }

    [Fact]
    public async Task Local_StopsWithTheShardsReasonAndDoesNotRetry_WhenAnExpertShardCannotLoad()
    {
        const string name = "model.layers.2.mlp.experts.17.up_proj.weight";
        using var directory = new TempDirectory("kimi-missing-expert");
        TinyCheckpointWriter.WriteWithTensorDropped(directory.Path, Spec, name, ThreeShards);
        await using var router = RouterProcess.Start("local", "--port", "0", "--model", directory.Path, "--expert-workers", "2");

        int exitCode = await router.WaitForExitAsync(Timeout);

        Assert.Equal(1, exitCode);
        string output = router.Output;
        Assert.Matches($@"Cannot start the local cluster: the attention worker could not load the model: the expert cluster could not load its weights: expert shard \d \(replica 0\) could not be loaded: tensor '{Regex.Escape(name)}' is missing", output);
        // Told once by the expert worker that owns it; nothing loads it again.
        Assert.Single(Regex.Matches(output, "Cannot load expert shard"));
        Assert.DoesNotContain("Could not find a codec", output, StringComparison.Ordinal);
        AssertNoStackTrace(output);
    }

    private static void AssertNoStackTrace(string output) =>
        Assert.DoesNotMatch(@"\bat Kimi\.Cluster\.|--- End of", output);

    [GeneratedRegex(@"\[(?<worker>[a-z]+ worker(?: \d+)?)\] Read (?<tensors>\d+) tensors, [\d.]+ GB of weights in [\d.]+ s \([\d.]+ GB/s\)")]
    private static partial Regex ReadLine();
}
