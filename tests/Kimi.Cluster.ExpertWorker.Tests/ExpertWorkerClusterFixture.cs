namespace Kimi.Cluster.ExpertWorker.Tests;

/// <summary>Two expert workers over the built-in tiny model (16 experts) in four shards, shared by a test class.</summary>
public sealed class ExpertWorkerClusterFixture : IAsyncLifetime
{
    public const int Workers = 2;
    public const int Shards = 4;

    public ExpertWorkerProcesses Cluster { get; private set; } = null!; // set in InitializeAsync, before any test

    public async Task InitializeAsync() => Cluster = await ExpertWorkerProcesses.StartAsync(Workers, Shards, replicas: 1);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
