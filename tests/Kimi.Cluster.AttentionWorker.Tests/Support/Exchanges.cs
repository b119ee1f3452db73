using System.Runtime.InteropServices;
using Kimi.Cluster.Model.DataPlane;

namespace Kimi.Cluster.AttentionWorker.Tests.Support;

/// <summary>Builds layer exchanges for the transport tests, and what the stand-in experts make of them.</summary>
public static class Exchanges
{
    /// <summary>experts[t] are token t's experts; token t's row is t+1, t+2, ...; weight of pair k is (k+1)/10.</summary>
    public static ExpertExchange Create(int layer, int hiddenSize, int[][] experts)
    {
        ArgumentNullException.ThrowIfNull(experts);
        int tokens = experts.Length, topK = experts[0].Length;
        var hidden = new float[tokens * hiddenSize];
        for (int i = 0; i < hidden.Length; i++)
            hidden[i] = i / hiddenSize + 1 + i % hiddenSize;
        float[] weights = [.. experts.SelectMany(row => row.Select((_, k) => (k + 1) / 10f))];
        return new ExpertExchange(layer, tokens, hiddenSize, topK, MemoryMarshal.AsBytes(hidden.AsSpan()).ToArray(),
            [.. experts.SelectMany(row => row)], weights);
    }

    /// <summary>Σ weight·(e + 1)·x per token: what the stand-ins compute between them.</summary>
    public static float[] Expected(ExpertExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var x = MemoryMarshal.Cast<byte, float>(exchange.Hidden.AsSpan());
        var output = new float[exchange.Tokens * exchange.HiddenSize];
        for (int t = 0; t < exchange.Tokens; t++)
        {
            for (int k = 0; k < exchange.TopK; k++)
            {
                int pair = t * exchange.TopK + k;
                float scale = exchange.Weights[pair] * (exchange.ExpertIds[pair] + 1);
                for (int j = 0; j < exchange.HiddenSize; j++)
                    output[t * exchange.HiddenSize + j] += scale * x[t * exchange.HiddenSize + j];
            }
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
