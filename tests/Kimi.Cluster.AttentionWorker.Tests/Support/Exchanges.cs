using Kimi.Cluster.Model.Exchange;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>Builds layer exchanges for the transport tests, and what the stand-in experts make of them.</summary>
public static class Exchanges
{
    /// <summary>experts[t] are token t's experts; token t's row is t+1, t+2, ...; weight of pair k is (k+1)/10.</summary>
    public static ExpertWork Create(int layer, int hiddenSize, int[][] experts)
    {
        ArgumentNullException.ThrowIfNull(experts);
        int tokens = experts.Length;
        var hidden = new float[tokens * hiddenSize];
        for (int i = 0; i < hidden.Length; i++)
            hidden[i] = i / hiddenSize + 1 + i % hiddenSize;
        float[] weights = [.. experts.SelectMany(row => row.Select((_, k) => (k + 1) / 10f))];
        return new ExpertWork(layer, hiddenSize, hidden, [.. experts.Select(row => row.Length)], [.. experts.SelectMany(row => row)], weights);
    }

    /// <summary>Σ weight·(e + 1)·x per token: what the stand-ins compute between them.</summary>
    public static float[] Expected(ExpertWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var output = new float[work.Tokens * work.HiddenSize];
        for (int pair = 0; pair < work.ExpertIds.Length; pair++)
        {
            int t = work.TokenOf(pair);
            float scale = work.Weights[pair] * (work.ExpertIds[pair] + 1);
            for (int j = 0; j < work.HiddenSize; j++)
                output[t * work.HiddenSize + j] += scale * work.Hidden[t * work.HiddenSize + j];
        }
        return output;
    }

    /// <summary>Equal up to float32 rounding (the transport adds per-worker partials, not pairs in token order).</summary>
    public static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {actual[i]}, expected {expected[i]}");
    }
}
