using System.Text.Json;

namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>Checks that the tiny checkpoints are well-formed safetensors holding exactly the reference values.</summary>
public sealed class CheckpointWriterSelfTests
{
    [Fact]
    public void Bf16Rounding_IsNearestEven()
    {
        Assert.Equal(0x3F80, DtypeCodec.ToBFloat16Bits(1f));
        Assert.Equal(0x3F80, DtypeCodec.ToBFloat16Bits(1f + MathF.Pow(2, -8)));     // tie → even (down)
        Assert.Equal(0x3F82, DtypeCodec.ToBFloat16Bits(1f + 3 * MathF.Pow(2, -8))); // tie → even (up)
        Assert.Equal(0x3F81, DtypeCodec.ToBFloat16Bits(1f + 1.5f * MathF.Pow(2, -8) + MathF.Pow(2, -12)));
        Assert.Equal(448.0, DtypeCodec.Round(1000, StoredDtype.F8E4M3));
    }

    [Fact]
    public void Write_RoundTrips_WhenTheCheckpointIsASingleFile()
    {
        using var dir = new TempDirectory();
        var weights = TinyCheckpointWriter.Write(dir.Path, TinyModelSpec.KimiK2Style);
        var byName = ReadAndCheckFile(dir.File(TinyCheckpointWriter.SingleFileName), out var dataStart);
        Assert.Equal(weights.StoredNames.Order(), byName.Keys.Order());

        foreach (var (name, tensor) in weights.Tensors)
        {
            var entry = byName[name];
            Assert.Equal(DtypeCodec.SafetensorsName(tensor.Dtype), entry.Dtype);
            Assert.Equal(tensor.Shape.Select(d => (long)d), entry.Shape);
            var bytes = SafetensorsFile.ReadBytes(dir.File(TinyCheckpointWriter.SingleFileName), entry, dataStart);
            Assert.Equal(tensor.Values, DtypeCodec.Decode(bytes, tensor.Dtype));
        }
        Assert.Equal("F32", byName["model.layers.1.mlp.gate.e_score_correction_bias"].Dtype);
        Assert.Equal("BF16", byName["model.layers.1.mlp.experts.23.down_proj.weight"].Dtype);
        Assert.Equal([64L, 96], byName["model.layers.0.mlp.down_proj.weight"].Shape);

        using var config = JsonDocument.Parse(File.ReadAllText(dir.File("config.json")));
        var root = config.RootElement;
        Assert.Equal("kimi_k2", root.GetProperty("model_type").GetString());
        Assert.Equal(48, root.GetProperty("q_lora_rank").GetInt32());
        Assert.Equal("yarn", root.GetProperty("rope_scaling").GetProperty("type").GetString());
        Assert.Equal(2.827, root.GetProperty("routed_scaling_factor").GetDouble());
        Assert.Equal(1e-5, root.GetProperty("rms_norm_eps").GetDouble());
    }

    [Fact]
    public void ShardedIndex_CoversEveryTensorExactlyOnce()
    {
        using var dir = new TempDirectory();
        var weights = TinyCheckpointWriter.Write(dir.Path, TinyModelSpec.DeepSeekV3Style, new() { ShardCount = 3 });
        using var index = JsonDocument.Parse(File.ReadAllText(dir.File(TinyCheckpointWriter.IndexFileName)));
        var map = index.RootElement.GetProperty("weight_map").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString()!);

        var seen = new Dictionary<string, string>();
        long total = 0;
        foreach (string file in map.Values.Distinct())
        {
            foreach (var entry in ReadAndCheckFile(dir.File(file), out _).Values)
            {
                Assert.True(seen.TryAdd(entry.Name, file), $"{entry.Name} stored twice");
                total += entry.End - entry.Begin;
            }
        }
        Assert.Equal(3, map.Values.Distinct().Count());
        Assert.Equal(map.OrderBy(p => p.Key), seen.OrderBy(p => p.Key));
        Assert.Equal(weights.StoredNames.Order(), map.Keys.Order());
        Assert.Equal(total, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        Assert.Equal("model-00001-of-00003.safetensors", map["model.embed_tokens.weight"]);
        Assert.Equal("model-00003-of-00003.safetensors", map["lm_head.weight"]);
        Assert.False(File.Exists(dir.File(TinyCheckpointWriter.SingleFileName)));
    }

    [Fact]
    public void Write_NestsConfigAndPrefixesTextTensors_WhenTheModelIsK25()
    {
        using var dir = new TempDirectory();
        var weights = TinyCheckpointWriter.Write(dir.Path, TinyModelSpec.KimiK25Nested);
        var names = ReadAndCheckFile(dir.File(TinyCheckpointWriter.SingleFileName), out _).Keys.ToHashSet();
        Assert.Contains("language_model.model.layers.0.self_attn.q_a_proj.weight", names);
        Assert.Contains("language_model.lm_head.weight", names);
        Assert.Contains("vision_tower.patch_embed.weight", names);
        Assert.Contains("mm_projector.proj.0.weight", names);
        Assert.DoesNotContain("model.embed_tokens.weight", names);
        Assert.True(weights.Contains("model.embed_tokens.weight"));
        Assert.DoesNotContain(weights.Tensors.Keys, k => k.StartsWith("vision", StringComparison.Ordinal));

        using var config = JsonDocument.Parse(File.ReadAllText(dir.File("config.json")));
        Assert.Equal("kimi_k25", config.RootElement.GetProperty("model_type").GetString());
        Assert.Equal("kimi_k2", config.RootElement.GetProperty("text_config").GetProperty("model_type").GetString());
        Assert.True(config.RootElement.TryGetProperty("vision_config", out _));
    }

    [Fact]
    public void Write_SupportsMutationsAndTheQProjVariant()
    {
        var spec = TinyModelSpec.KimiK2Style with { QLoraRank = null };
        const string oProj = "model.layers.0.self_attn.o_proj.weight";
        using var dir = new TempDirectory();
        var clean = TinyCheckpointWriter.Generate(spec);
        Assert.True(clean.Contains("model.layers.0.self_attn.q_proj.weight"));
        Assert.False(clean.Contains("model.layers.0.self_attn.q_a_proj.weight"));

        var dropped = TinyCheckpointWriter.WriteWithTensorDropped(dir.Path, spec, oProj);
        Assert.DoesNotContain(oProj, ReadAndCheckFile(dir.File(TinyCheckpointWriter.SingleFileName), out _).Keys);
        Assert.False(dropped.Contains(oProj));
        // Per-tensor seeds: the other tensors are untouched by the mutation.
        Assert.Equal(clean["lm_head.weight"].Values, dropped["lm_head.weight"].Values);

        TinyCheckpointWriter.WriteWithShapeAltered(dir.Path, spec, oProj, [64, 65]);
        Assert.Equal([64L, 65], ReadAndCheckFile(dir.File(TinyCheckpointWriter.SingleFileName), out _)[oProj].Shape);

        TinyCheckpointWriter.WriteWithF8Tensor(dir.Path, spec, oProj);
        Assert.Equal("F8_E4M3", ReadAndCheckFile(dir.File(TinyCheckpointWriter.SingleFileName), out _)[oProj].Dtype);

        using var config = JsonDocument.Parse(File.ReadAllText(dir.File("config.json")));
        Assert.Equal(JsonValueKind.Null, config.RootElement.GetProperty("q_lora_rank").ValueKind);
        Assert.Throws<ArgumentException>(() => TinyCheckpointWriter.WriteWithTensorDropped(dir.Path, spec, "no.such.tensor"));
    }

    [Fact]
    public void QuantizedFiles_AreWellFormed()
    {
        foreach (var quantization in new[] { CheckpointQuantization.Int4Group(32), CheckpointQuantization.Fp8Block })
        {
            using var dir = new TempDirectory();
            var weights = TinyCheckpointWriter.Write(dir.Path, TinyModelSpec.KimiK25Nested, new() { Quantization = quantization, ShardCount = 2 });
            using var index = JsonDocument.Parse(File.ReadAllText(dir.File(TinyCheckpointWriter.IndexFileName)));
            var map = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            var names = map.Values.Distinct().SelectMany(file => ReadAndCheckFile(dir.File(file), out _).Keys).ToList();
            Assert.Equal(weights.StoredNames.Order(), names.Order());
            Assert.Equal(weights.StoredNames.Order(), map.Keys.Order());
            // A module's codes and scales share a shard, as they do in the released checkpoints.
            string module = "language_model.model.layers.2.mlp.experts.7.down_proj.";
            bool int4 = quantization.Kind == CheckpointQuantizationKind.Int4Group;
            Assert.Equal(map[module + (int4 ? "weight_packed" : "weight")], map[module + (int4 ? "weight_scale" : "weight_scale_inv")]);
        }
    }

    /// <summary>Parses a file's header and checks the safetensors invariants: padding, contiguous offsets, sizes.</summary>
    private static Dictionary<string, SafetensorsEntry> ReadAndCheckFile(string path, out long dataStart)
    {
        var (entries, start, metadata) = SafetensorsFile.ReadHeader(path);
        dataStart = start;
        Assert.Equal("pt", metadata["format"]);
        Assert.Equal(0, (start - 8) % 8);
        long expectedBegin = 0;
        foreach (var e in entries.OrderBy(e => e.Begin))
        {
            Assert.Equal(expectedBegin, e.Begin);
            int size = e.Dtype switch { "BF16" or "F16" => 2, "F32" or "I32" => 4, "F8_E4M3" => 1, _ => throw new InvalidDataException(e.Dtype) };
            Assert.Equal(e.Shape.Aggregate(1L, (a, b) => a * b) * size, e.End - e.Begin);
            Assert.Equal(0, e.Begin % size); // aligned for typed views
            expectedBegin = e.End;
        }
        Assert.Equal(start + expectedBegin, new FileInfo(path).Length);
        return entries.ToDictionary(e => e.Name);
    }
}
