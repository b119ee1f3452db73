using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// Writes a tiny Kimi K2 checkpoint that greedily generates <see cref="ScriptedModel.Script"/>.
/// Every weight that writes into the residual stream (attention o_proj, every down_proj) is zero,
/// so each layer adds nothing and the model is a bigram table: logits = lm_head · RMSNorm(embed[last]).
/// The script's tokens get orthonormalised Gaussian embeddings, and lm_head row next(t) is
/// <see cref="Gain"/> · RMSNorm(embed[t]); all other rows are zero. The other weights stay random,
/// so attention, routing and the experts still compute (and travel to the expert workers).
/// </summary>
public static class ScriptedModelWriter
{
    /// <summary>The winning logit is Gain · hidden size (19 at 64); the others are ~0.</summary>
    public const double Gain = 0.3;
    private const ulong Seed = 20_260_401;

    public static TinyModelSpec Spec { get; } = TinyModelSpec.KimiK2Style with
    {
        VocabSize = ScriptedModel.VocabSize,
        BosTokenId = ScriptedModel.BosId,
        EosTokenId = ScriptedModel.ImEndId,
    };

    public static void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var embeddings = Embeddings(Spec);
        var tensors = TinyTensorLayout.Enumerate(Spec)
            .Select(t => new EncodedTensor(t.Name, t.Dtype, t.Shape, DtypeCodec.Encode(Values(t, embeddings), t.Dtype)))
            .ToList();
        File.WriteAllText(Path.Combine(directory, "config.json"), TinyConfigJson.Build(Spec));
        SafetensorsFile.Write(Path.Combine(directory, TinyCheckpointWriter.SingleFileName), tensors);
        ScriptedTokenizerFiles.Write(directory, ScriptedModel.RankedTokens, ScriptedModel.SpecialTokens);
    }

    private static double[] Values(TinyTensorSpec tensor, double[][] embeddings)
    {
        int hidden = Spec.HiddenSize;
        var values = new double[tensor.ElementCount];
        if (tensor.Name == "model.embed_tokens.weight")
        {
            for (int token = 0; token < embeddings.Length; token++)
                embeddings[token].CopyTo(values, token * hidden);
        }
        else if (tensor.Name == "lm_head.weight")
        {
            foreach (var (token, next) in ScriptedModel.Transitions)
            {
                var unit = RmsNormalized(embeddings[token]);
                for (int i = 0; i < hidden; i++)
                    values[(next * hidden) + i] = Gain * unit[i];
            }
        }
        else if (tensor.Mean == 1)
        {
            Array.Fill(values, 1.0); // norms: weight 1, so RMSNorm is plain normalisation
        }
        else if (!tensor.Name.EndsWith("o_proj.weight", StringComparison.Ordinal)
            && !tensor.Name.EndsWith("down_proj.weight", StringComparison.Ordinal))
        {
            var rng = SplitMix64.ForTensor(Seed, tensor.Name);
            for (int i = 0; i < values.Length; i++)
                values[i] = tensor.Mean + (tensor.Std * rng.NextNormal());
        }
        return values;
    }

    /// <summary>Gaussian rows for every token; the script's tokens orthogonalised (Gram–Schmidt) to norm √hidden.</summary>
    private static double[][] Embeddings(TinyModelSpec spec)
    {
        var rng = new SplitMix64(Seed);
        var rows = Enumerate(spec.VocabSize, () => Enumerate(spec.HiddenSize, rng.NextNormal));
        var done = new List<double[]>();
        foreach (int token in ScriptedModel.Transitions.Select(t => t.Token))
        {
            var row = rows[token];
            foreach (var previous in done)
            {
                double dot = row.Zip(previous, (a, b) => a * b).Sum();
                for (int i = 0; i < row.Length; i++)
                    row[i] -= dot * previous[i];
            }
            double norm = Math.Sqrt(row.Sum(v => v * v));
            for (int i = 0; i < row.Length; i++)
                row[i] /= norm;
            done.Add([.. row]);
            for (int i = 0; i < row.Length; i++)
                row[i] *= Math.Sqrt(row.Length);
        }
        return rows;
    }

    private static double[] RmsNormalized(double[] row)
    {
        double rms = Math.Sqrt(row.Average(v => v * v));
        return [.. row.Select(v => v / rms)];
    }

    private static T[] Enumerate<T>(int count, Func<T> next)
    {
        var items = new T[count];
        for (int i = 0; i < count; i++)
            items[i] = next();
        return items;
    }
}
