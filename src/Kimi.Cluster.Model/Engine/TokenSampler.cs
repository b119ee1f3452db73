using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Turns one step's logits into tokens: greedy or temperature / top-k / top-p sampling with a
/// per-sequence generator, plus log-probabilities of the raw logits (before any of those knobs).
/// </summary>
public static class TokenSampler
{
    /// <summary>logits: [sequences, vocab] float32; one entry per row.</summary>
    public static GeneratedToken[] Sample(Tensor logits, IReadOnlyList<SamplingParams> sampling, IReadOnlyList<SeededRandom> generators)
    {
        using var scope = NewDisposeScope();
        var logprobs = log_softmax(logits, -1);
        int maxTop = sampling.Max(s => s.Logprobs);
        var (topValues, topIds) = maxTop > 0 ? logprobs.topk(maxTop, dim: -1) : (null, null);
        var result = new GeneratedToken[sampling.Count];
        for (int row = 0; row < sampling.Count; row++)
        {
            var rowLogits = logits[row];
            int token = sampling[row].IsGreedy ? (int)rowLogits.argmax().item<long>() : Draw(rowLogits, sampling[row], generators[row]);
            float logprob = logprobs[row, token].item<float>();
            result[row] = new GeneratedToken(token, logprob, TopAlternatives(topValues, topIds, row, sampling[row].Logprobs));
        }
        return result;
    }

    private static TokenLogprob[] TopAlternatives(Tensor? values, Tensor? ids, int row, int count)
    {
        if (count == 0 || values is null || ids is null)
            return [];
        float[] v = values[row].data<float>().ToArray();
        long[] i = ids[row].data<long>().ToArray();
        return Enumerable.Range(0, count).Select(k => new TokenLogprob((int)i[k], v[k])).ToArray();
    }

    /// <summary>Temperature, then top-k, then top-p (always keeping the best token), then one draw.</summary>
    private static int Draw(Tensor rowLogits, SamplingParams p, SeededRandom random)
    {
        var probabilities = softmax(rowLogits / p.Temperature, -1);
        var (sorted, order) = probabilities.sort(descending: true);
        float[] probs = sorted.data<float>().ToArray();
        long[] tokens = order.data<long>().ToArray();
        int keep = p.TopK > 0 ? Math.Min(p.TopK, probs.Length) : probs.Length;
        if (p.TopP < 1f)
        {
            double cumulative = 0;
            for (int k = 0; k < keep; k++)
            {
                cumulative += probs[k];
                if (cumulative >= p.TopP)
                {
                    keep = k + 1;
                    break;
                }
            }
        }
        double total = 0;
        for (int k = 0; k < keep; k++)
            total += probs[k];
        double target = random.NextDouble() * total;
        for (int k = 0; k < keep; k++)
        {
            target -= probs[k];
            if (target < 0)
                return (int)tokens[k];
        }
        return (int)tokens[keep - 1];
    }
}
