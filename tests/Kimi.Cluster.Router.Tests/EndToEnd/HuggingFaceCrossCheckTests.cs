using System.Diagnostics;
using System.Text.Json.Nodes;
using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>
/// The whole cluster against a second, independent implementation: tests/crosscheck/hf_reference.py
/// writes its own checkpoint and greedy-decodes it with the Hugging Face math in torch float64.
/// Needs Debian's python3-torch; .ci/run installs it and sets KIMI_REQUIRE_TORCH_CROSSCHECK=1 so
/// that its absence fails there, while a developer machine without it passes these by default.
/// </summary>
public sealed class HuggingFaceCrossCheckTests
{
    private static readonly int[] Prompt = [1, 33, 66, 99, 132];

    [Theory]
    [InlineData("k2", 2)]
    [InlineData("ds", 3)]
    [InlineData("k25", 2)]
    public async Task Cluster_GivesTheTorchReferenceTokens_AndTop5Logprobs(string kind, int expertWorkers)
    {
        string? python = FindPythonWithTorch();
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

    private static async Task<GreedyCompletion> RunReferenceAsync(string python, string kind, string directory)
    {
        string script = Path.Combine(RepositoryRoot(), "tests", "crosscheck", "hf_reference.py");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { script, kind, directory, string.Join(",", Prompt), $"{GreedyCompletion.MaxTokens}" })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!; // Start with a file name never returns null
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"hf_reference.py failed: {await errors}");
        var json = JsonNode.Parse(await output)!;
        var steps = json["top5"]!.AsArray();
        return new GreedyCompletion(
            [.. json["tokens"]!.AsArray().Select(t => (int)t!)],
            [.. steps.Select(step => (double)step![0]![1]!)],
            [.. steps.Select(step => (IReadOnlyDictionary<string, double>)step!.AsArray()
                .ToDictionary(pair => $"token_id:{(int)pair![0]!}", pair => (double)pair![1]!))]);
    }

    private static string? FindPythonWithTorch()
    {
        foreach (string candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using var probe = Process.Start(new ProcessStartInfo(candidate, "-c \"import torch\"") { RedirectStandardError = true });
                probe?.WaitForExit(60_000);
                if (probe is { HasExited: true, ExitCode: 0 })
                    return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed under that name
            }
        }
        return null;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Kimi.Cluster.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("the repository root (Kimi.Cluster.sln) was not found above the test output");
    }
}
