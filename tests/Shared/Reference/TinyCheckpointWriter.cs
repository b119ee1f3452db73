using System.Text;
using System.Text.Json;

namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Writes tiny random DeepSeek-V3 / Kimi K2 (/ K2.5) checkpoints in the Hugging Face layout
/// (config.json + safetensors, optionally sharded with an index) and returns the exact stored
/// values for the reference model. With <see cref="TinyCheckpointOptions.Quantization"/> the
/// covered weights are stored as INT4 pack-quantized or FP8 block-quantized codes plus scales,
/// and the reference holds what they dequantize to.
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
        File.WriteAllText(Path.Combine(directory, "config.json"), TinyConfigJson.Build(spec, options.Quantization, DtypeCodec.TorchName(options.WeightDtype)));

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
        var dequantized = new List<string>();
        var unused = new HashSet<CheckpointMutation>(options.Mutations);
        var quantization = options.Quantization;

        void Add(EncodedTensor tensor, int layer)
        {
            encoded.Add(tensor);
            layers.Add(layer);
            storedNames.Add(tensor.Name);
        }

        foreach (var planned in TinyTensorLayout.Enumerate(spec, options.WeightDtype))
        {
            var tensor = planned;
            bool drop = false, altered = false;
            foreach (var m in options.Mutations.Where(m => m.Matches(planned, spec)))
            {
                unused.Remove(m);
                drop |= m.Drop;
                altered |= m.Shape is not null || m.Dtype is not null;
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
            if (tensor.Name.EndsWith(".mlp.gate.e_score_correction_bias", StringComparison.Ordinal))
            {
                foreach (int hot in options.HotExperts)
                {
                    values[hot] = DtypeCodec.Round(values[hot] + 1, tensor.Dtype);
                }
            }

            // A reshaped or retyped module stays plain: the mutation asked for that tensor as given.
            if (quantization is not null && !altered && quantization.Quantizes(tensor))
            {
                var q = Quantize(tensor, values, quantization, spec, options.Mutations, unused);
                foreach (var part in q.Parts)
                {
                    if (ApplyPartMutations(tensor, part, spec, options.Mutations, unused) is { } kept)
                    {
                        Add(kept, tensor.Layer);
                    }
                }
                tensors[tensor.Name] = new ReferenceTensor(tensor.Shape, q.Dequantized, q.CodeDtype);
                dequantized.Add(tensor.Name);
                continue;
            }

            Add(new EncodedTensor(tensor.StoredName(spec), tensor.Dtype, tensor.Shape, DtypeCodec.Encode(values, tensor.Dtype)), tensor.Layer);
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
        return (new ReferenceWeights(spec, tensors, storedNames, quantization, dequantized), encoded, layers);
    }

    /// <summary>The tensor's codes and scales; a Dtype mutation on its scale tensor picks the scale type.</summary>
    private static QuantizedWeight Quantize(
        TinyTensorSpec tensor, double[] values, CheckpointQuantization quantization, TinyModelSpec spec,
        IReadOnlyList<CheckpointMutation> mutations, HashSet<CheckpointMutation> unused)
    {
        bool int4 = quantization.Kind == CheckpointQuantizationKind.Int4Group;
        var scalePart = PartSpec(tensor, int4 ? "weight_scale" : "weight_scale_inv", 2);
        var scaleDtype = int4 ? StoredDtype.BF16 : StoredDtype.F32;
        foreach (var m in mutations.Where(m => m.Dtype is not null && m.Matches(scalePart, spec)))
        {
            unused.Remove(m);
            scaleDtype = m.Dtype!.Value;
        }

        int rows = tensor.Shape[0], cols = tensor.Shape[1];
        if (!int4)
        {
            return WeightQuantizer.Fp8Block(values, rows, cols, quantization.BlockSize, scaleDtype);
        }
        if (cols % 8 != 0)
        {
            throw new ArgumentException(
                $"{tensor.Name}: {cols} in-features are not a multiple of 8 (nibbles per packed INT4 word); choose hidden_size and moe_intermediate_size accordingly");
        }
        return WeightQuantizer.Int4Group(values, rows, cols, quantization.GroupSize, scaleDtype, quantization.Int4ScaleDivisor);
    }

    /// <summary>
    /// One stored part of a quantized module under its full name, after Drop (null) or Shape
    /// mutations that name it. Scale Dtype mutations were applied when quantizing.
    /// </summary>
    private static EncodedTensor? ApplyPartMutations(
        TinyTensorSpec tensor, EncodedTensor part, TinyModelSpec spec,
        IReadOnlyList<CheckpointMutation> mutations, HashSet<CheckpointMutation> unused)
    {
        var partSpec = PartSpec(tensor, part.Name, part.Shape.Count) with { Shape = [.. part.Shape], Dtype = part.Dtype };
        var result = part with { Name = partSpec.StoredName(spec) };
        if (partSpec.Name == tensor.Name)
        {
            return result; // FP8's "….weight": its mutations were the module's own
        }
        foreach (var m in mutations.Where(m => m.Matches(partSpec, spec)))
        {
            unused.Remove(m);
            if (m.Drop)
            {
                return null;
            }
            if (m.Dtype is { } dtype && dtype != part.Dtype)
            {
                throw new ArgumentException($"{partSpec.Name}: only a scale tensor can be stored as another type");
            }
            if (m.Shape is { } shape)
            {
                result = result with { Shape = [.. shape], Data = Refill(result.Data, DtypeCodec.ElementSize(part.Dtype), shape) };
            }
        }
        return result;
    }

    private static TinyTensorSpec PartSpec(TinyTensorSpec tensor, string suffix, int rank) =>
        tensor with { Name = tensor.Name[..^"weight".Length] + suffix, Shape = new int[rank] };

    /// <summary>Data for a new shape: the old elements repeated, so the values stay plausible.</summary>
    private static byte[] Refill(byte[] data, int elementSize, IReadOnlyList<int> shape)
    {
        long count = shape.Aggregate(1L, (a, d) => a * d);
        var bytes = new byte[count * elementSize];
        for (long i = 0; i < bytes.Length; i++)
        {
            bytes[i] = data[i % data.Length];
        }
        return bytes;
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
