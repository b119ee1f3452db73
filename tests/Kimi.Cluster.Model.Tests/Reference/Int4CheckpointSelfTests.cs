using System.Buffers.Binary;

namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Checks the INT4 pack-quantized checkpoints against the documented compressed-tensors layout,
/// decoding the file bytes here by hand rather than with the writer's code.
/// </summary>
public sealed class Int4CheckpointSelfTests
{
    [Theory]
    [InlineData("k2", 32, 1)]
    [InlineData("k2", 64, 2)]
    [InlineData("k2", 128, 1)]
    [InlineData("ds", 32, 3)]
    [InlineData("k25", 32, 2)]
    [InlineData("no-q-lora", 64, 1)]
    [InlineData("partial", 64, 1)]
    public void FileBytes_UnpackToTheReferenceValues(string preset, int groupSize, int shards)
    {
        var spec = Spec(preset, groupSize);
        var options = new TinyCheckpointOptions { Quantization = CheckpointQuantization.Int4Group(groupSize), ShardCount = shards };
        using var dir = new TempDirectory();
        var weights = TinyCheckpointWriter.Write(dir.Path, spec, options);
        var plain = TinyCheckpointWriter.Generate(spec, options with { Quantization = null });
        var files = SafetensorsFile.ReadDirectory(dir.Path);
        Assert.Equal(weights.StoredNames.Order(), files.Keys.Order());

        int quantized = 0, minQ = 0, maxQ = 0;
        foreach (var (name, tensor) in weights.Tensors)
        {
            string stored = spec.TensorPrefix + name;
            if (!name.Contains(".mlp.experts.", StringComparison.Ordinal))
            {
                // Everything but the routed experts is stored exactly as without quantization.
                Assert.DoesNotContain(name, weights.DequantizedNames);
                var (entry, data) = files[stored];
                Assert.Equal(name.EndsWith("e_score_correction_bias", StringComparison.Ordinal) ? "F32" : "BF16", entry.Dtype);
                Assert.Equal(plain[name].Values, DtypeCodec.Decode(data, tensor.Dtype));
                Assert.Equal(plain[name].Values, tensor.Values);
                continue;
            }

            quantized++;
            Assert.Contains(name, weights.DequantizedNames);
            Assert.False(files.ContainsKey(stored), $"{stored} must not be stored next to its packed form");
            string module = stored[..^".weight".Length];
            int rows = tensor.Rows, cols = tensor.Cols, groups = (cols + groupSize - 1) / groupSize;
            var (packed, packedData) = files[module + ".weight_packed"];
            var (scale, scaleData) = files[module + ".weight_scale"];
            var (shape, shapeData) = files[module + ".weight_shape"];
            AssertEntry(packed, "I32", rows, cols / 8);
            AssertEntry(scale, "BF16", rows, groups);
            AssertEntry(shape, "I32", 2);
            Assert.Equal(rows, BinaryPrimitives.ReadInt32LittleEndian(shapeData));
            Assert.Equal(cols, BinaryPrimitives.ReadInt32LittleEndian(shapeData.AsSpan(4)));

            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    int word = BinaryPrimitives.ReadInt32LittleEndian(packedData.AsSpan(4 * (r * (cols / 8) + c / 8)));
                    int q = ((word >> (4 * (c % 8))) & 0xF) - 8;
                    ushort scaleBits = BinaryPrimitives.ReadUInt16LittleEndian(scaleData.AsSpan(2 * (r * groups + c / groupSize)));
                    double s = BitConverter.UInt32BitsToSingle((uint)scaleBits << 16);
                    Assert.Equal(q * s, tensor[r, c]);
                    // Round to nearest: within half a step of the unquantized bf16 weight.
                    Assert.True(Math.Abs(q * s - plain[name][r, c]) <= s / 2, $"{name}[{r},{c}]");
                    minQ = Math.Min(minQ, q);
                    maxQ = Math.Max(maxQ, q);
                }
            }
        }
        int moeLayers = Enumerable.Range(0, spec.NumHiddenLayers).Count(spec.IsMoeLayer);
        Assert.Equal(moeLayers * spec.NRoutedExperts * 3, quantized);
        Assert.Equal((-7, 7), (minQ, maxQ)); // max|w| / 7: each group's extreme lands on ±7
        Assert.Same(options.Quantization, weights.Quantization);
    }

    [Fact]
    public void Int4Group_AlsoProducesMinusEight_WhenTheScaleDivisorIsSevenAndAHalf()
    {
        var quantization = CheckpointQuantization.Int4Group(32) with { Int4ScaleDivisor = 7.5 };
        var weights = TinyCheckpointWriter.Generate(TinyModelSpec.KimiK2Style, new() { Quantization = quantization });
        var expert = weights.Layer(1, "mlp.experts.5.up_proj.weight");
        var plain = TinyCheckpointWriter.Generate(TinyModelSpec.KimiK2Style).Layer(1, "mlp.experts.5.up_proj.weight");
        int minusEight = 0;
        for (int r = 0; r < expert.Rows; r++)
        {
            for (int g = 0; g < expert.Cols / 32; g++)
            {
                double amax = Enumerable.Range(g * 32, 32).Max(c => Math.Abs(plain[r, c]));
                double scale = DtypeCodec.Round(amax / 7.5, StoredDtype.BF16);
                minusEight += Enumerable.Range(g * 32, 32).Count(c => expert[r, c] == -8 * scale);
            }
        }
        Assert.True(minusEight > 0, "no code -8 at divisor 7.5");
    }

    [Fact]
    public void GroupSize_MustCoverWholeWords()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CheckpointQuantization.Int4Group(12));
    }

    [Fact]
    public void Mutations_ReachThePackedParts()
    {
        var spec = TinyModelSpec.KimiK2Style;
        const string module = "model.layers.1.mlp.experts.3.gate_proj";
        var int4 = new TinyCheckpointOptions { Quantization = CheckpointQuantization.Int4Group(32) };
        using var dir = new TempDirectory();

        TinyCheckpointWriter.WriteWithTensorDropped(dir.Path, spec, module + ".weight_scale", int4);
        var names = SafetensorsFile.ReadDirectory(dir.Path).Keys.ToHashSet();
        Assert.DoesNotContain(module + ".weight_scale", names);
        Assert.Contains(module + ".weight_packed", names);

        TinyCheckpointWriter.WriteWithTensorDropped(dir.Path, spec, module + ".weight", int4);
        Assert.DoesNotContain(SafetensorsFile.ReadDirectory(dir.Path).Keys, n => n.StartsWith(module + ".", StringComparison.Ordinal));

        TinyCheckpointWriter.WriteWithShapeAltered(dir.Path, spec, module + ".weight_packed", [32, 5], int4);
        Assert.Equal([32L, 5], SafetensorsFile.ReadDirectory(dir.Path)[module + ".weight_packed"].Entry.Shape);

        // A retyped module is stored plain: a bf16 "….weight" where the loader expects packed codes.
        var retyped = TinyCheckpointWriter.Write(dir.Path, spec,
            int4 with { Mutations = [CheckpointMutation.StoredAs(module + ".weight", StoredDtype.F16)] });
        var files = SafetensorsFile.ReadDirectory(dir.Path);
        Assert.Equal("F16", files[module + ".weight"].Entry.Dtype);
        Assert.False(files.ContainsKey(module + ".weight_packed"));
        Assert.DoesNotContain(module + ".weight", retyped.DequantizedNames);

        // Float32 scales: the quantization uses them, so the file still decodes to the reference.
        var f32 = TinyCheckpointWriter.Write(dir.Path, spec,
            int4 with { Mutations = [CheckpointMutation.StoredAs(module + ".weight_scale", StoredDtype.F32)] });
        files = SafetensorsFile.ReadDirectory(dir.Path);
        Assert.Equal("F32", files[module + ".weight_scale"].Entry.Dtype);
        var scales = DtypeCodec.Decode(files[module + ".weight_scale"].Data, StoredDtype.F32);
        var words = DtypeCodec.Decode(files[module + ".weight_packed"].Data, StoredDtype.I32);
        var w = f32[module + ".weight"];
        for (int r = 0; r < w.Rows; r++)
        {
            for (int c = 0; c < w.Cols; c++)
            {
                int q = (((int)words[r * (w.Cols / 8) + c / 8] >> (4 * (c % 8))) & 0xF) - 8;
                Assert.Equal(q * scales[r * (w.Cols / 32) + c / 32], w[r, c]);
            }
        }
        Assert.Throws<ArgumentException>(() => TinyCheckpointWriter.Write(dir.Path, spec,
            int4 with { Mutations = [CheckpointMutation.StoredAs(module + ".weight_packed", StoredDtype.F32)] }));
    }

    [Fact]
    public void ReferenceModel_RunsOnDequantizedExperts()
    {
        var spec = TinyModelSpec.KimiK2Style;
        var tokens = new[] { 1, 17, 42, 99, 200, 7 };
        var quantized = new ReferenceModel(TinyCheckpointWriter.Generate(spec, new() { Quantization = CheckpointQuantization.Int4Group(32) }));
        var plain = new ReferenceModel(TinyCheckpointWriter.Generate(spec));
        var a = quantized.Forward(tokens);
        var b = plain.Forward(tokens);
        Assert.All(a, row => Assert.All(row, v => Assert.True(double.IsFinite(v))));
        // Quantization moves the logits, but only by a fraction of their spread.
        double spread = b.SelectMany(r => r).Max() - b.SelectMany(r => r).Min();
        double moved = a.Zip(b).SelectMany(p => p.First.Zip(p.Second, (x, y) => Math.Abs(x - y))).Max();
        Assert.InRange(moved, 1e-6, spread / 4);
    }

    private static TinyModelSpec Spec(string preset, int groupSize)
    {
        var spec = preset switch
        {
            "ds" => TinyModelSpec.DeepSeekV3Style,
            "k25" => TinyModelSpec.KimiK25Nested,
            "no-q-lora" => TinyModelSpec.KimiK2Style with { QLoraRank = null },
            _ => TinyModelSpec.KimiK2Style,
        };
        if (preset == "partial")
        {
            // In-features the group does not divide: every expert row ends in a shorter group.
            return spec with { HiddenSize = 160, MoeIntermediateSize = 96, NRoutedExperts = 8 };
        }
        // Fewer experts keep the larger variants quick; in-features whole groups.
        return spec with
        {
            HiddenSize = Math.Max(spec.HiddenSize, groupSize),
            MoeIntermediateSize = Math.Max(spec.MoeIntermediateSize, groupSize),
            NRoutedExperts = groupSize > 32 ? 8 : spec.NRoutedExperts,
        };
    }

    private static void AssertEntry(SafetensorsEntry entry, string dtype, params long[] shape)
    {
        Assert.Equal(dtype, entry.Dtype);
        Assert.Equal(shape, entry.Shape);
    }
}
