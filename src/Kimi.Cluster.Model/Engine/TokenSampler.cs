using Kimi.Cluster.Constraints;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.TensorSupport;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// Turns one step's logits into tokens: presence / frequency penalties, then the constraint's mask
/// (constrained decoding), then greedy or temperature / top-k / top-p sampling with a per-sequence
/// generator, plus log-probabilities of the raw logits (before any of those knobs, penalties and
/// mask included, as OpenAI and vLLM report them).
/// </summary>
public static class TokenSampler
{
    /// <summary>
    /// logits: [sequences, vocab] float32; one entry per row. <paramref name="generatedCounts"/>
    /// holds, per row, how many times each token id was generated so far (the prompt excluded);
    /// <paramref name="allowed"/>, when given, the tokens each row may choose (null: any).
    /// </summary>
    public static GeneratedToken[] Sample(Tensor logits, IReadOnlyList<SamplingParams> sampling, IReadOnlyList<SeededRandom> generators,
        IReadOnlyList<IReadOnlyDictionary<int, int>> generatedCounts, IReadOnlyList<AllowedTokens?>? allowed = null)
    {
        using var scope = NewDisposeScope();
        // log_softmax(x)[t] = x[t] - logsumexp(x), the normalizer taken on the row's memory (LogitRows).
        var raw = TensorMemory.ContiguousFloat32(logits);
        int vocab = (int)raw.size(1);
        var values = TensorMemory.Floats(raw);
        float[] logSums = new float[sampling.Count];
        for (int row = 0; row < sampling.Count; row++)
            logSums[row] = (float)LogitRows.LogSumExp(values.Slice(row * vocab, vocab));
        int maxTop = sampling.Max(s => s.Logprobs);
        var (topValues, topIds) = maxTop > 0 ? logits.topk(maxTop, dim: -1) : (null, null);
        var result = new GeneratedToken[sampling.Count];
        for (int row = 0; row < sampling.Count; row++)
        {
            var rowValues = values.Slice(row * vocab, vocab);
            int token;
            bool penalized = sampling[row].HasPenalties && generatedCounts[row].Count > 0;
            if (sampling[row].IsGreedy && !penalized && allowed?[row] is null)
            {
                // The plain greedy pick on the row's memory: no libtorch row view, argmax or item.
                token = LogitRows.ArgMax(rowValues);
            }
            else
            {
                var rowLogits = Penalize(logits[row], sampling[row], generatedCounts[row]);
                if (allowed?[row] is { } constraint)
                    rowLogits = AllowedTokenMask.Apply(rowLogits, constraint);
                token = sampling[row].IsGreedy ? (int)rowLogits.argmax().item<long>() : Draw(rowLogits, sampling[row], generators[row]);
            }
            float logprob = rowValues[token] - logSums[row];
            result[row] = new GeneratedToken(token, logprob, TopAlternatives(topValues, topIds, row, sampling[row].Logprobs, logSums[row]));
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

    /// <summary>The row's best <paramref name="count"/> tokens by raw logit, as log-probabilities.</summary>
    private static TokenLogprob[] TopAlternatives(Tensor? values, Tensor? ids, int row, int count, float logSum)
    {
        if (count == 0 || values is null || ids is null)
            return [];
        float[] v = values[row].data<float>().ToArray();
        long[] i = ids[row].data<long>().ToArray();
        return Enumerable.Range(0, count).Select(k => new TokenLogprob((int)i[k], v[k] - logSum)).ToArray();
    }

    /// <summary>How many of the most likely tokens a draw looks at before it sorts the whole vocabulary.</summary>
    private const int Candidates = 256;

    /// <summary>
    /// Temperature, then top-k, then top-p (always keeping the best token), then one draw over the
    /// kept tokens in descending order. Only the most likely <see cref="Candidates"/> (or top-k)
    /// are sorted when they already hold the nucleus or every token that can be drawn; a full sort
    /// of a 160K vocabulary costs milliseconds per row.
    /// </summary>
    private static int Draw(Tensor rowLogits, SamplingParams p, SeededRandom random)
    {
        var row = TensorMemory.ContiguousFloat32(rowLogits);
        double logSum = LogitRows.LogSumExp(TensorMemory.Floats(row), p.Temperature);
        int vocab = (int)row.size(0);
        int look = p.TopK > 0 ? Math.Min(p.TopK, vocab) : Math.Min(Candidates, vocab);
        // Sorting logits orders their probabilities too: exp((x - max) / T) is increasing in x.
        var (sorted, order) = row.topk(look);
        float[] probs = Probabilities(sorted, p.Temperature, logSum);
        int keep = Nucleus(probs, p.TopP);
        bool holdsAll = p.TopK > 0 || look == vocab || probs[^1] == 0f;
        if (keep == probs.Length && !holdsAll && (p.TopP >= 1f || probs.Sum(v => (double)v) < p.TopP))
        {
            (sorted, order) = row.sort(descending: true);
            probs = Probabilities(sorted, p.Temperature, logSum);
            keep = Nucleus(probs, p.TopP);
        }
        long[] tokens = order.data<long>().ToArray();
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

    /// <summary>exp(x / T - logSum) for the given logits: their probabilities under temperature T.</summary>
    private static float[] Probabilities(Tensor logits, float temperature, double logSum)
    {
        var values = TensorMemory.Floats(TensorMemory.ContiguousFloat32(logits));
        var probs = new float[values.Length];
        for (int k = 0; k < probs.Length; k++)
            probs[k] = (float)Math.Exp(values[k] / (double)temperature - logSum);
        return probs;
    }

    /// <summary>How many of the descending <paramref name="probs"/> the top-p nucleus keeps (all when it is not reached).</summary>
    private static int Nucleus(float[] probs, float topP)
    {
        if (topP >= 1f)
            return probs.Length;
        double cumulative = 0;
        for (int k = 0; k < probs.Length; k++)
        {
            cumulative += probs[k];
            if (cumulative >= topP)
                return k + 1;
        }
        return probs.Length;
    }
}
