using System.Text.Json;

namespace Kimi.Cluster.Deploy.Tests;

/// <summary>
/// The serving programs' runtime settings, as their builds write them (runtimeconfig.json, which a
/// publish and so every image carries).
/// </summary>
public sealed class RuntimeConfigTests
{
    [Theory]
    [InlineData("Kimi.Cluster.Router")]
    [InlineData("Kimi.Cluster.AttentionWorker")]
    [InlineData("Kimi.Cluster.ExpertWorker")]
    public void ServingProgram_BlocksIdleThreadPoolThreads_InsteadOfSpinning(string assembly)
    {
        string path = Path.Combine(AppContext.BaseDirectory, assembly + ".runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));

        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var limit),
            $"{assembly}.runtimeconfig.json sets no thread-pool spin limit");
        Assert.Equal(0, limit.GetInt32());
    }
}
