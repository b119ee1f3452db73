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
    public async Task Expert_layouts_that_cannot_run_are_refused_with_a_clear_message(string options, string message)
    {
        await using var router = RouterProcess.Start(["local", "--port", "0", .. options.Split(' ')]);

        int exitCode = await router.WaitForExitAsync(ExitTimeout);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, router.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_expert_worker_dll_fails_with_a_clear_message()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-expert-worker-{Guid.NewGuid():N}.dll");
        await using var router = RouterProcess.Start("local", "--port", "0", "--expert-workers", "1", "--expert-worker", missing);

        int exitCode = await router.WaitForExitAsync(ExitTimeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("expert worker was not found", router.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_worker_dll_fails_with_a_clear_message()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-worker-{Guid.NewGuid():N}.dll");
        await using var router = RouterProcess.Start("local", "--port", "0", "--attention-worker", missing);

        int exitCode = await router.WaitForExitAsync(ExitTimeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("attention worker was not found", router.Output, StringComparison.Ordinal);
    }
}
