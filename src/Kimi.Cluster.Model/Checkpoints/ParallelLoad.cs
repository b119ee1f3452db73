using System.Runtime.ExceptionServices;
using TorchSharp;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// Builds a model's parts (its layers) on several threads. Layers lie in different places of the
/// checkpoint, often in different shard files, so building them at once keeps several reads in
/// flight. A failure disposes every part already built and rethrows the first error as it was.
/// </summary>
public static class ParallelLoad
{
    /// <summary>Parts loaded at once unless the weight source says otherwise.</summary>
    public const int DefaultThreads = 4;

    public static T[] Build<T>(int count, int threads, Func<int, T> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        var parts = new T[count];
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, index =>
            {
                // Grad mode is per thread: parts built here must not record a graph either.
                using var noGrad = torch.no_grad();
                parts[index] = build(index);
            });
            return parts;
        }
        catch (AggregateException error)
        {
            foreach (var part in parts)
                (part as IDisposable)?.Dispose();
            ExceptionDispatchInfo.Throw(error.InnerExceptions[0]);
            throw; // not reached
        }
    }
}
