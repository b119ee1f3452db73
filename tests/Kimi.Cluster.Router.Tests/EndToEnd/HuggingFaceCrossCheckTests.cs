using System.Text.Json.Nodes;
using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared;
using Reference = Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// The whole cluster against a second, independent implementation: tests/crosscheck/hf_reference.py
/// writes its own checkpoint and greedy-decodes it with the Hugging Face math in torch float64.
/// Needs Debian's python3-torch; .ci/run installs it and sets KIMI_REQUIRE_TORCH_CROSSCHECK=1 so
/// that its absence fails there, while a developer machine without it passes these by default.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class HuggingFaceCrossCheckTests
{
    private static readonly int[] Prompt = [1, 33, 66, 99, 132];

    [Theory]
    [InlineData("k2", 2)]
    [InlineData("ds", 3)]
    [InlineData("k25", 2)]
    public async Task Cluster_GivesTheTorchReferenceTokens_AndTop5Logprobs(string kind, int expertWorkers)
    {
        string? python = await ExternalProgram.FindPythonAsync("torch");
        if (python is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("KIMI_REQUIRE_TORCH_CROSSCHECK") != "1",
                "python3 with torch is required for the cross-check (apt-get install python3-torch)");
            return;
        }
        string directory = Path.Combine(Path.GetTempPath(), $"kimi-crosscheck-{kind}-{Guid.NewGuid():N}");
        try
        {
            var expected = await RunReferenceAsync(python, kind, directory);
            await using var cluster = await ClusterUnderTest.StartAsync($"{kind} crosscheck", "--model", directory, "--expert-workers", $"{expertWorkers}");
            var requests = Enumerable.Range(0, 4).Select(_ => GreedyCompletion.RequestAsync(cluster.Http, Prompt));
            foreach (var actual in await Task.WhenAll(requests))
                GreedyCompletion.AssertClose(expected, actual, 1e-4, $"{kind} with {expertWorkers} expert workers");
        }
        finally
        {
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Checkpoints with weights stored quantized, written by our writer and decoded by the Python
    /// side with its own numpy unpacking (tests/crosscheck/checkpoint_reader.py): INT4 routed experts
    /// in K2-Thinking and K2.5 layouts (the latter with the real vocabulary size; the former also with
    /// rows ending in a shorter group), block FP8 in K2-Instruct layout with partial 128-blocks, and
    /// every weight F16 (held as F16 in the attention and the expert workers). Through `local` with
    /// 0 and 2 expert workers.
    /// </summary>
    [Theory]
    [InlineData("k2-thinking-int4", 0)]
    [InlineData("k2-thinking-int4", 2)]
    [InlineData("k25-int4", 0)]
    [InlineData("k25-int4", 2)]
    [InlineData("k2-instruct-fp8", 0)]
    [InlineData("k2-instruct-fp8", 2)]
    [InlineData("k2-thinking-int4-short-groups", 2)]
    [InlineData("k2-f16", 2)]
    public async Task Cluster_GivesTheTorchReferenceTokensAndTop5Logprobs_WhenOnQuantizedWeights(string kind, int expertWorkers)
    {
        string? python = await ExternalProgram.FindPythonAsync("torch");
        if (python is null)
        {
            Assert.True(Environment.GetEnvironmentVariable("KIMI_REQUIRE_TORCH_CROSSCHECK") != "1",
                "python3 with torch is required for the cross-check (apt-get install python3-torch)");
            return;
        }
        using var directory = new Reference.TempDirectory($"kimi-crosscheck-{kind}");
        var (spec, quantization) = QuantizedCase(kind);
        Reference.TinyCheckpointWriter.Write(directory.Path, spec,
            new Reference.TinyCheckpointOptions
            {
                Quantization = quantization,
                LmHeadGain = 3,
                WeightDtype = kind == "k2-f16" ? Reference.StoredDtype.F16 : Reference.StoredDtype.BF16,
            });
        var expected = await RunReferenceAsync(python, "read", directory.Path);
        await using var cluster = await ClusterUnderTest.StartAsync($"{kind} crosscheck", "--model", directory.Path, "--expert-workers", $"{expertWorkers}");
        var requests = Enumerable.Range(0, 3).Select(_ => GreedyCompletion.RequestAsync(cluster.Http, Prompt));
        foreach (var actual in await Task.WhenAll(requests))
            GreedyCompletion.AssertClose(expected, actual, 1e-4, $"{kind} with {expertWorkers} expert workers");
    }

    private static (Reference.TinyModelSpec, Reference.CheckpointQuantization?) QuantizedCase(string kind) => kind switch
    {
        "k2-f16" => (Reference.TinyModelSpec.KimiK2Style, null),
        "k2-thinking-int4" => (Reference.TinyModelSpec.KimiK2Style with { MoeIntermediateSize = 64 },
            Reference.CheckpointQuantization.Int4Group(32)),
        "k25-int4" => (Reference.TinyModelSpec.KimiK25Nested with { VocabSize = 163_840 },
            Reference.CheckpointQuantization.Int4Group(32)),
        // Groups of 64 over 160 and 96 in-features: every expert row ends in a shorter group.
        "k2-thinking-int4-short-groups" => (Reference.TinyModelSpec.KimiK2Style with { HiddenSize = 160, MoeIntermediateSize = 96 },
            Reference.CheckpointQuantization.Int4Group(64)),
        _ => (Reference.TinyModelSpec.KimiK2Style with { HiddenSize = 160, MoeIntermediateSize = 136, IntermediateSize = 200, QLoraRank = null },
            Reference.CheckpointQuantization.Fp8Block),
    };

    private static async Task<GreedyCompletion> RunReferenceAsync(string python, string kind, string directory)
    {
        string[] arguments = kind == "read"
            ? [ExternalProgram.CrossCheckScript("hf_reference.py"), "read", directory, string.Join(",", Prompt), $"{GreedyCompletion.MaxTokens}"]
            : [ExternalProgram.CrossCheckScript("hf_reference.py"), kind, directory, string.Join(",", Prompt), $"{GreedyCompletion.MaxTokens}"];
        var (exitCode, output, errors) = await ExternalProgram.RunAsync(
            python, arguments, ExternalProgram.RepositoryRoot, TimeSpan.FromMinutes(10));
        Assert.True(exitCode == 0, $"hf_reference.py failed: {errors}");
        var json = JsonNode.Parse(output)!;
        var steps = json["top5"]!.AsArray();
        return new GreedyCompletion(
            [.. json["tokens"]!.AsArray().Select(t => (int)t!)],
            [.. steps.Select(step => (double)step![0]![1]!)],
            [.. steps.Select(step => (IReadOnlyDictionary<string, double>)step!.AsArray()
                .ToDictionary(pair => $"token_id:{(int)pair![0]!}", pair => (double)pair![1]!))]);
    }
}
