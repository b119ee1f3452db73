using System.Collections.Concurrent;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// Continuous load for live-change tests: clients send greedy requests for the prompts in turn,
/// non-stop, each checked against its expected completion (tokens and logprobs within the
/// tolerance); a failed or changed one is recorded, not thrown, so the test can say how many.
/// </summary>
public sealed class GreedyLoad : IAsyncDisposable
{
    /// <summary>Short prompts of the tiny test vocabulary, of different lengths.</summary>
    public static readonly int[][] ShortPrompts = [[1, 17, 42, 99], [1, 5, 200, 7, 31, 64], [1, 250], [1, 9, 8, 7], [1, 77, 3]];

    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly Task[] _clients;
    private int _completed;
    private bool _stopped;

    private GreedyLoad(HttpClient http, int[][] prompts, IReadOnlyList<GreedyCompletion> expected, int clients, double tolerance) =>
        _clients = [.. Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (int i = client; !_stop.IsCancellationRequested; i++)
            {
                int p = i % prompts.Length;
                try
                {
                    GreedyCompletion.AssertClose(expected[p], await GreedyCompletion.RequestAsync(http, prompts[p]), tolerance, $"prompt {p}");
                    Interlocked.Increment(ref _completed);
                }
                catch (Exception error)
                {
                    _failures.Enqueue(error.Message);
                }
            }
        }))];

    /// <summary>Requests the expected completions one by one, then starts <paramref name="clients"/> clients.</summary>
    public static async Task<GreedyLoad> StartAsync(HttpClient http, int[][] prompts, int clients, double tolerance)
    {
        var expected = new List<GreedyCompletion>();
        foreach (int[] prompt in prompts)
            expected.Add(await GreedyCompletion.RequestAsync(http, prompt));
        var load = new GreedyLoad(http, prompts, expected, clients, tolerance);
        await load.CompletedAtLeastAsync(clients);
        return load;
    }

    public int Completed => Volatile.Read(ref _completed);

    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>Waits until <paramref name="more"/> more requests have completed (or one failed).</summary>
    public async Task CompletedAtLeastAsync(int more)
    {
        int target = Completed + more;
        while (Completed < target && _failures.IsEmpty)
            await Task.Delay(50);
    }

    /// <summary>Stops the clients after their requests in flight (once; later calls do nothing).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
        _stop.Dispose();
    }
}
