using System.Text;
using System.Text.Json;

namespace Kimi.Cluster.Model.Tests.Reference;

/// <summary>
/// Writes tiny random DeepSeek-V3 / Kimi K2 (/ K2.5) checkpoints in the Hugging Face layout
/// (config.json + safetensors, optionally sharded with an index) and returns the exact stored
/// values for the reference model.
/// </summary>
public static class TinyCheckpointWriter
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>The values a checkpoint would hold, without touching the disk.</summary>
    public static ReferenceWeights Generate(TinyModelSpec spec, TinyCheckpointOptions? options = null) =>
        Build(spec, options ?? TinyCheckpointOptions.Default).Weights;

    /// <summary>Writes config.json and the safetensors file(s) into <paramref name="directory"/> (created if missing).</summary>
    public static ReferenceWeights Write(string directory, TinyModelSpec spec, TinyCheckpointOptions? options = null)
    {
        options ??= TinyCheckpointOptions.Default;
        var (weights, encoded, layers) = Build(spec, options);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), TinyConfigJson.Build(spec));

        int shards = options.ShardCount;
        if (shards == 1)
        {
            SafetensorsFile.Write(Path.Combine(directory, SingleFileName), encoded);
            return weights;
        }
        if (shards < 1 || shards > Math.Max(1, spec.NumHiddenLayers))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "ShardCount must be between 1 and the number of layers");
        }

        // Split by layer like HF's sharding: embeddings (and vision) in the first file, the
        // final norm and lm_head in the last, layer i in file floor(i·K/L).
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long totalSize = 0;
        for (int s = 0; s < shards; s++)
        {
            string fileName = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
            var part = encoded.Where((_, i) => ShardOf(layers[i], spec.NumHiddenLayers, shards) == s).ToList();
            totalSize += SafetensorsFile.Write(Path.Combine(directory, fileName), part);
            foreach (var t in part)
            {
                weightMap[t.Name] = fileName;
            }
        }
        WriteIndex(Path.Combine(directory, IndexFileName), totalSize, weightMap);
        return weights;
    }

    /// <summary>A checkpoint missing one tensor (name unprefixed, or exact stored name).</summary>
    public static ReferenceWeights WriteWithTensorDropped(string directory, TinyModelSpec spec, string tensorName, TinyCheckpointOptions? options = null) =>
        Write(directory, spec, With(options, CheckpointMutation.Dropped(tensorName)));

    /// <summary>A checkpoint where one tensor has the wrong shape (header and data agree with each other).</summary>
    public static ReferenceWeights WriteWithShapeAltered(string directory, TinyModelSpec spec, string tensorName, int[] shape, TinyCheckpointOptions? options = null) =>
        Write(directory, spec, With(options, CheckpointMutation.Reshaped(tensorName, shape)));

    /// <summary>A checkpoint where one tensor is stored as "F8_E4M3" (1 byte per element, no scale tensor).</summary>
    public static ReferenceWeights WriteWithF8Tensor(string directory, TinyModelSpec spec, string tensorName, TinyCheckpointOptions? options = null) =>
        Write(directory, spec, With(options, CheckpointMutation.StoredAs(tensorName, StoredDtype.F8E4M3)));

    private static TinyCheckpointOptions With(TinyCheckpointOptions? options, CheckpointMutation mutation)
    {
        options ??= TinyCheckpointOptions.Default;
        return options with { Mutations = [.. options.Mutations, mutation] };
    }

    private static int ShardOf(int layer, int layerCount, int shards) =>
        layer < 0 ? 0 : layer >= layerCount ? shards - 1 : layer * shards / layerCount;

    private static (ReferenceWeights Weights, List<EncodedTensor> Encoded, List<int> Layers) Build(
        TinyModelSpec spec, TinyCheckpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var tensors = new Dictionary<string, ReferenceTensor>(StringComparer.Ordinal);
        var encoded = new List<EncodedTensor>();
        var layers = new List<int>();
        var storedNames = new List<string>();
        var unused = new HashSet<CheckpointMutation>(options.Mutations);

        foreach (var planned in TinyTensorLayout.Enumerate(spec, options.WeightDtype))
        {
            var tensor = planned;
            bool drop = false;
            foreach (var m in options.Mutations.Where(m => m.Matches(planned, spec)))
            {
                unused.Remove(m);
                drop |= m.Drop;
                tensor = tensor with
                {
                    Shape = m.Shape?.ToArray() ?? tensor.Shape,
                    Dtype = m.Dtype ?? tensor.Dtype,
                };
            }
            if (drop)
            {
                continue;
            }

            if (tensor.Name == "lm_head.weight")
            {
                tensor = tensor with { Std = tensor.Std * options.LmHeadGain };
            }
            var rng = SplitMix64.ForTensor(options.Seed, tensor.Name);
            var values = new double[tensor.ElementCount];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = DtypeCodec.Round(tensor.Mean + tensor.Std * rng.NextNormal(), tensor.Dtype);
            }
            string stored = tensor.StoredName(spec);
            encoded.Add(new EncodedTensor(stored, tensor.Dtype, tensor.Shape, DtypeCodec.Encode(values, tensor.Dtype)));
            layers.Add(tensor.Layer);
            storedNames.Add(stored);
            if (tensor.IsText)
            {
                tensors[tensor.Name] = new ReferenceTensor(tensor.Shape, values, tensor.Dtype);
            }
        }
        if (unused.Count > 0)
        {
            // A typo in a negative test would otherwise produce a valid checkpoint silently.
            throw new ArgumentException($"mutation matches no tensor: {string.Join(", ", unused.Select(m => m.TensorName))}");
        }
        return (new ReferenceWeights(spec, tensors, storedNames), encoded, layers);
    }

    private static void WriteIndex(string path, long totalSize, SortedDictionary<string, string> weightMap)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, file) in weightMap)
            {
                json.WriteString(name, file);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        File.WriteAllText(path, Encoding.UTF8.GetString(stream.ToArray()));
    }
}
