using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// The quantized checkpoints read by a second, independent implementation:
/// tests/crosscheck/checkpoint_reader.py dequantizes them with numpy (compared bit for bit with
/// <see cref="ReferenceWeights"/>), and hf_reference.py "read" decodes them with the Hugging Face
/// math in torch float64 (compared with <see cref="ReferenceModel"/>). Needs Debian's python3-numpy
/// (and python3-torch); without them these pass, unless KIMI_REQUIRE_TORCH_CROSSCHECK=1 as in CI.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class QuantizedCrossCheckSelfTests
{
    private static readonly int[] Prompt = [1, 33, 66, 99, 132];

    [Theory]
    [InlineData("int4-k2")]
    [InlineData("int4-k25-g64")]
    [InlineData("int4-ds")]
    [InlineData("int4-partial")]
    [InlineData("int4-every-linear")]
    [InlineData("fp8-partial")]
    [InlineData("fp8-ds")]
    public async Task NumpyDequantization_MatchesTheReferenceBitForBit(string variant)
    {
        if (await FindPythonAsync("numpy") is not { } python)
        {
            return;
        }
        var (spec, options) = Variant(variant);
        using var dir = new TempDirectory();
        var weights = TinyCheckpointWriter.Write(dir.Path, spec, options);
        var digests = JsonNode.Parse(await RunAsync(python, "checkpoint_reader.py", "digest", dir.Path))!.AsObject();

        Assert.Equal(weights.Tensors.Keys.Order(), digests.Select(p => p.Key).Order());
        foreach (var (name, tensor) in weights.Tensors)
        {
            var bytes = new byte[tensor.Values.Length * sizeof(double)];
            for (int i = 0; i < tensor.Values.Length; i++)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(i * sizeof(double)), tensor.Values[i]);
            }
            Assert.True(BitConverter.IsLittleEndian);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), (string?)digests[name]);
        }
    }

    [Theory]
    [InlineData("int4-k25-g64")]
    [InlineData("int4-partial")]
    [InlineData("fp8-ds")]
    public async Task TorchDecode_MatchesTheReferenceModel_WhenTheCheckpointIsQuantized(string variant)
    {
        if (await FindPythonAsync("torch") is not { } python)
        {
            return;
        }
        var (spec, options) = Variant(variant);
        using var dir = new TempDirectory();
        var weights = TinyCheckpointWriter.Write(dir.Path, spec, options);
        const int newTokens = 3;
        var json = JsonNode.Parse(await RunAsync(python, "hf_reference.py", "read", dir.Path, string.Join(",", Prompt), $"{newTokens}"))!;
        var expected = new ReferenceModel(weights).GenerateGreedy(Prompt, newTokens);

        Assert.Equal(expected.Tokens, json["tokens"]!.AsArray().Select(t => (int)t!));
        var steps = json["top5"]!.AsArray();
        for (int s = 0; s < newTokens; s++)
        {
            var top = steps[s]!.AsArray();
            for (int k = 0; k < 5; k++)
            {
                Assert.Equal(expected.Steps[s].TopLogprobs[k].TokenId, (int)top[k]![0]!);
                Assert.Equal(expected.Steps[s].TopLogprobs[k].Logprob, (double)top[k]![1]!, 1e-9);
            }
        }
    }

    private static (TinyModelSpec Spec, TinyCheckpointOptions Options) Variant(string variant) => variant switch
    {
        "int4-k2" => (TinyModelSpec.KimiK2Style, new() { Quantization = CheckpointQuantization.Int4Group(32), LmHeadGain = 3 }),
        "int4-k25-g64" => (TinyModelSpec.KimiK25Nested with { MoeIntermediateSize = 64, NRoutedExperts = 8 },
            new() { Quantization = CheckpointQuantization.Int4Group(64) with { Int4ScaleDivisor = 7.5 }, ShardCount = 2, LmHeadGain = 3 }),
        "int4-ds" => (TinyModelSpec.DeepSeekV3Style, new() { Quantization = CheckpointQuantization.Int4Group(32), ShardCount = 2 }),
        "int4-every-linear" => (TinyModelSpec.KimiK2Style, new() { Quantization = CheckpointQuantization.Int4Group(32) with { Int4EveryLinear = true } }),
        // Every expert row ends in a shorter group: 160 and 96 in-features in groups of 64.
        "int4-partial" => (TinyModelSpec.KimiK2Style with { HiddenSize = 160, MoeIntermediateSize = 96 },
            new() { Quantization = CheckpointQuantization.Int4Group(64), LmHeadGain = 3 }),
        "fp8-partial" => (TinyModelSpec.KimiK2Style with { HiddenSize = 160, MoeIntermediateSize = 200, NRoutedExperts = 6, NumExpertsPerTok = 2 },
            new() { Quantization = CheckpointQuantization.Fp8Block }),
        "fp8-ds" => (TinyModelSpec.DeepSeekV3Style with { HiddenSize = 160, QLoraRank = null },
            new() { Quantization = CheckpointQuantization.Fp8Block, ShardCount = 2, LmHeadGain = 3 }),
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    /// <summary>Debian's /usr/bin/python3 or a python3 on PATH that imports <paramref name="module"/>; null (or a failure in CI) otherwise.</summary>
    private static async Task<string?> FindPythonAsync(string module)
    {
        foreach (string candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var (exitCode, _, _) = await ExecuteAsync(candidate, ["-c", $"import {module}"]);
                if (exitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Not installed there; try the next.
            }
        }
        Assert.True(Environment.GetEnvironmentVariable("KIMI_REQUIRE_TORCH_CROSSCHECK") != "1",
            $"python3 with {module} is required for the cross-check (apt-get install python3-torch python3-numpy)");
        return null;
    }

    private static async Task<string> RunAsync(string python, string script, params string[] arguments)
    {
        var (exitCode, stdout, stderr) = await ExecuteAsync(python, [Path.Combine(CrossCheckFolder(), script), .. arguments]);
        Assert.True(exitCode == 0, $"{script} failed: {stderr}");
        return stdout;
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> ExecuteAsync(string program, IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{program} did not start");
        // Read both pipes from the start: a child that fills one nobody reads never exits.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} ran past 5 minutes");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>tests/crosscheck, found above the test binaries.</summary>
    private static string CrossCheckFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "crosscheck");
            if (File.Exists(Path.Combine(candidate, "checkpoint_reader.py")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("tests/crosscheck not found above the test binaries");
    }
}
