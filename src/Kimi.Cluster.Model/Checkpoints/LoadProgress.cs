using System.Diagnostics;
using Kimi.Cluster.Model.Configuration.Loading;

namespace Kimi.Cluster.Model.Checkpoints;

/// <summary>
/// Counts a process's weight load as it goes: what each load plans to read (added before it
/// starts) and each tensor read. Thread-safe: layers load in parallel, an expert worker's shards
/// too. The clock starts with the first plan.
/// </summary>
public sealed class LoadProgress
{
    private readonly Stopwatch _clock = new();
    private readonly Lock _gate = new();
    private int _tensors, _totalTensors;
    private long _bytes, _totalBytes;

    /// <summary>Adds a load's planned tensors and bytes to the totals.</summary>
    public void Plan(int tensors, long bytes)
    {
        lock (_gate)
        {
            if (!_clock.IsRunning)
                _clock.Start();
            _totalTensors += tensors;
            _totalBytes += bytes;
        }
    }

    /// <summary>One tensor of <paramref name="bytes"/> stored bytes has been read.</summary>
    public void Read(long bytes)
    {
        lock (_gate)
        {
            _tensors++;
            _bytes += bytes;
        }
    }

    public LoadProgressReport Report()
    {
        lock (_gate)
            return new LoadProgressReport(_tensors, _totalTensors, _bytes, _totalBytes, _clock.Elapsed);
    }
}
