using Kimi.Cluster.Router.Tests.Support;
using Kimi.Cluster.Tests.Shared;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>`local` refusing to start, which needs no model and no cluster.</summary>
[Trait("Needs", "Processes")]
public sealed class LocalCommandTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("--expert-workers 2 --expert-replicas 3", "--expert-replicas 3 exceeds --expert-workers 2")]
    [InlineData("--expert-shards 4", "need --expert-workers 1 or more")]
    [InlineData("--expert-workers -1", "--expert-workers must be 0 or more")]
    [InlineData("--attention-workers 0", "--attention-workers must be in 1..64")]
    public async Task LocalCommand_RefusesWithAClearMessage_WhenTheExpertLayoutCannotRun(string options, string message)
    {
        await using var router = RouterProcess.Start(["local", "--port", "0", .. options.Split(' ')]);

        int exitCode = await router.WaitForExitAsync(ExitTimeout);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, router.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalCommand_FailsWithAClearMessage_WhenTheExpertWorkerDllIsMissing()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-expert-worker-{Guid.NewGuid():N}.dll");
        await using var router = RouterProcess.Start("local", "--port", "0", "--expert-workers", "1", "--expert-worker", missing);

        int exitCode = await router.WaitForExitAsync(ExitTimeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("expert worker was not found", router.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalCommand_FailsWithAClearMessage_WhenTheWorkerDllIsMissing()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-worker-{Guid.NewGuid():N}.dll");
        await using var router = RouterProcess.Start("local", "--port", "0", "--attention-worker", missing);

        int exitCode = await router.WaitForExitAsync(ExitTimeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("attention worker was not found", router.Output, StringComparison.Ordinal);
    }
}
