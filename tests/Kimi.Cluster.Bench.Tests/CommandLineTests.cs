using Kimi.Cluster.Bench.Cli;

namespace Kimi.Cluster.Bench.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public async Task Run_RefusesBeforeSendingAnything_WhenTheUrlIsNotLoopback()
    {
        int exitCode = await BenchCommand.Create().Parse(["run", "--url", "http://192.0.2.1:8000", "--num-prompts", "1"]).InvokeAsync();
        Assert.Equal(2, exitCode);
    }

    [Fact]
    public void Run_ReportsTheUrl_WhenItIsUnparsable()
    {
        var parse = BenchCommand.Create().Parse(["run", "--url", "not a url"]);
        Assert.Contains(parse.Errors, error => error.Message.Contains("--url", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_AcceptsEveryOption()
    {
        var parse = BenchCommand.Create().Parse(
        [
            "run", "--url", "http://127.0.0.1:1", "--num-prompts", "8", "--input-len", "16", "--output-len", "8",
            "--concurrency", "4", "--request-rate", "2.5", "--seed", "3", "--vocab-size", "100",
            "--timeout", "5", "--max-duration", "10", "--new-connections", "--output", "r.json",
        ]);
        Assert.Empty(parse.Errors);
    }
}
