using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.TensorSupport;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Turns one step's logits into tokens: presence / frequency penalties, then greedy or
/// temperature / top-k / top-p sampling with a per-sequence generator, plus log-probabilities
/// of the raw logits (before any of those knobs, penalties included, as OpenAI and vLLM report them).
/// </summary>
public static class TokenSampler
{
    /// <summary>
    /// logits: [sequences, vocab] float32; one entry per row. <paramref name="generatedCounts"/>
    /// holds, per row, how many times each token id was generated so far (the prompt excluded).
    /// </summary>
    public static GeneratedToken[] Sample(Tensor logits, IReadOnlyList<SamplingParams> sampling, IReadOnlyList<SeededRandom> generators,
        IReadOnlyList<IReadOnlyDictionary<int, int>> generatedCounts)
    {
        using var scope = NewDisposeScope();
        var logprobs = log_softmax(logits, -1);
        int maxTop = sampling.Max(s => s.Logprobs);
        var (topValues, topIds) = maxTop > 0 ? logprobs.topk(maxTop, dim: -1) : (null, null);
        var result = new GeneratedToken[sampling.Count];
        for (int row = 0; row < sampling.Count; row++)
        {
            var rowLogits = Penalize(logits[row], sampling[row], generatedCounts[row]);
            int token = sampling[row].IsGreedy ? (int)rowLogits.argmax().item<long>() : Draw(rowLogits, sampling[row], generators[row]);
            float logprob = logprobs[row, token].item<float>();
            result[row] = new GeneratedToken(token, logprob, TopAlternatives(topValues, topIds, row, sampling[row].Logprobs));
        }
        return result;
    }

    /// <summary>
    /// OpenAI's penalties on one row of logits ([vocab]): logits[t] -= frequency * count(t) +
    /// presence * (count(t) > 0). Touches only the generated tokens, and returns the row itself
    /// (no copy) when there is nothing to penalize.
    /// </summary>
    internal static Tensor Penalize(Tensor rowLogits, SamplingParams p, IReadOnlyDictionary<int, int> counts)
    {
        if (!p.HasPenalties || counts.Count == 0)
            return rowLogits;
        var ids = new long[counts.Count];
        var deltas = new float[counts.Count];
        int k = 0;
        foreach (var (token, count) in counts)
        {
            ids[k] = token;
            deltas[k] = (float)-((double)p.FrequencyPenalty * count + (count > 0 ? p.PresencePenalty : 0f));
            k++;
        }
        var device = rowLogits.device;
        return rowLogits.index_add(0, tensor(ids, device: device), tensor(deltas, device: device).to(rowLogits.dtype), KeptScalars.One);
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
        using var temperature = p.Temperature.ToScalar(); // disposed after use: see KeptScalars
        var probabilities = softmax(rowLogits.div(temperature), -1);
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
