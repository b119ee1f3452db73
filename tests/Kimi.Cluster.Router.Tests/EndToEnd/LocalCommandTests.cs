using Kimi.Cluster.Router.Tests.Support;

namespace Kimi.Cluster.Router.Tests.EndToEnd;

/// <summary>`local` refusing to start, which needs no model and no cluster.</summary>
public sealed class LocalCommandTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Expert_workers_other_than_zero_exit_with_code_2()
    {
        await using var router = RouterProcess.Start("local", "--port", "0", "--expert-workers", "2");

        int exitCode = await router.WaitForExitAsync(ExitTimeout);

        Assert.Equal(2, exitCode);
        await Task.Delay(200); // let the output readers catch up
        Assert.Contains("distributed experts are not available yet", router.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_worker_dll_fails_with_a_clear_message()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-worker-{Guid.NewGuid():N}.dll");
        await using var router = RouterProcess.Start("local", "--port", "0", "--attention-worker", missing);

        int exitCode = await router.WaitForExitAsync(ExitTimeout);

        Assert.Equal(1, exitCode);
        await Task.Delay(200);
        Assert.Contains("attention worker was not found", router.Output, StringComparison.Ordinal);
    }
}
