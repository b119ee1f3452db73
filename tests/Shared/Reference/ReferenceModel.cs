namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// The whole DeepSeek-V3 / Kimi K2 text model in double precision with plain loops, an
/// independent yardstick for the TorchSharp implementation (no code or types shared).
/// Every call recomputes from scratch: no KV cache, so no cache bug can hide here.
/// </summary>
public sealed class ReferenceModel
{
    public ReferenceModel(ReferenceWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        Weights = weights;
    }

    public ReferenceWeights Weights { get; }

    public TinyModelSpec Spec => Weights.Spec;

    /// <summary>Rows of model.embed_tokens.weight.</summary>
    public double[][] Embed(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var table = Weights["model.embed_tokens.weight"];
        int hidden = table.Cols;
        return tokens.Select(id =>
        {
            if (id < 0 || id >= table.Rows)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token {id} outside vocab {table.Rows}");
            }
            return table.Values.AsSpan(id * hidden, hidden).ToArray();
        }).ToArray();
    }

    /// <summary>h = x + MLA(RMSNorm(x)); out = h + MLP_or_MoE(RMSNorm(h)), tokens at positions 0..T−1.</summary>
    public double[][] DecoderLayer(int layer, double[][] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        double eps = Spec.RmsNormEps;
        var inputNorm = Weights.Layer(layer, "input_layernorm.weight").Values;
        var postNorm = Weights.Layer(layer, "post_attention_layernorm.weight").Values;
        var normed = x.Select(row => ReferenceMath.RmsNorm(row, inputNorm, eps)).ToArray();
        var attention = MlaAttention.Forward(Weights, layer, normed);
        var output = new double[x.Length][];
        for (int t = 0; t < x.Length; t++)
        {
            var h = ReferenceMath.Add(x[t], attention[t]);
            output[t] = ReferenceMath.Add(h, FeedForward.Mlp(Weights, layer, ReferenceMath.RmsNorm(h, postNorm, eps)));
        }
        return output;
    }

    /// <summary>Embeddings → layers → model.norm → lm_head, keeping every intermediate.</summary>
    public ForwardTrace Trace(IReadOnlyList<int> tokens)
    {
        var embeddings = Embed(tokens);
        var layers = new List<double[][]>();
        var x = embeddings;
        for (int i = 0; i < Spec.NumHiddenLayers; i++)
        {
            x = DecoderLayer(i, x);
            layers.Add(x);
        }
        var norm = Weights["model.norm.weight"].Values;
        var finalNormed = x.Select(row => ReferenceMath.RmsNorm(row, norm, Spec.RmsNormEps)).ToArray();
        var lmHead = Weights["lm_head.weight"];
        var logits = finalNormed.Select(row => ReferenceMath.Linear(row, lmHead)).ToArray();
        return new ForwardTrace(embeddings, layers, finalNormed, logits);
    }

    /// <summary>logits[t][vocab] for every position.</summary>
    public double[][] Forward(IReadOnlyList<int> tokens) => Trace(tokens).Logits;

    /// <summary>Row-wise log-softmax of [t][vocab] logits.</summary>
    public static double[][] LogSoftmax(double[][] logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        return logits.Select(ReferenceMath.LogSoftmax).ToArray();
    }

    /// <summary>
    /// Greedy decoding by recomputing the full sequence each step. Argmax ties go to the
    /// lowest id, like torch.argmax. <paramref name="topLogprobs"/> per step, best first.
    /// </summary>
    public GreedyGeneration GenerateGreedy(IReadOnlyList<int> prompt, int maxNewTokens, int topLogprobs = 5)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.Count == 0)
        {
            throw new ArgumentException("prompt must not be empty", nameof(prompt));
        }
        var sequence = prompt.ToList();
        var tokens = new List<int>();
        var steps = new List<GreedyStep>();
        for (int n = 0; n < maxNewTokens; n++)
        {
            var logprobs = ReferenceMath.LogSoftmax(Forward(sequence)[^1]);
            var top = MoeGate.TopIndices(logprobs, Math.Min(Math.Max(topLogprobs, 1), logprobs.Length));
            int token = top[0];
            var topList = top.Take(topLogprobs).Select(id => new TokenLogprob(id, logprobs[id])).ToArray();
            steps.Add(new GreedyStep(token, logprobs[token], topList));
            tokens.Add(token);
            sequence.Add(token);
        }
        return new GreedyGeneration(tokens, steps);
    }
}
