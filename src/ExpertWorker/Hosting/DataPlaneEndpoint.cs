namespace Kimi.Cluster.ExpertWorker.Hosting;

/// <summary>
/// This silo's data-plane address, known once Kestrel has bound its port. Shard grains hand it
/// out, so a grain that activates early waits for it.
/// </summary>
public sealed class DataPlaneEndpoint
{
    private readonly TaskCompletionSource<string> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<string> Address => _address.Task;

    public void Set(string address) => _address.TrySetResult(address);
}
