using Kimi.Cluster.Kernels.Diagnostics;

namespace Kimi.Cluster.Kernels.Tests.Reference;

/// <summary>Keeps every kernel call it is told of, in order.</summary>
public sealed class RecordingObserver : IDispatchObserver
{
    public List<KernelCall> Calls { get; } = [];

    public void Ran(in KernelCall call) => Calls.Add(call);
}
