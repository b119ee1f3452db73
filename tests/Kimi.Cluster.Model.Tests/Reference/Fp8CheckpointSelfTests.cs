using System.Buffers.Binary;

namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// Checks the FP8 block-quantized checkpoints and the E4M3FN codec, decoding with the format's
/// own formula here rather than with the writer's table.
/// </summary>
public sealed class Fp8CheckpointSelfTests
{
    /// <summary>Sizes that are not multiples of 128, so most blocks are partial (hidden 160: blocks of 128 and 32).</summary>
    private static readonly TinyModelSpec PartialBlocks = TinyModelSpec.KimiK2Style with
    {
        HiddenSize = 160,
        IntermediateSize = 300,
        MoeIntermediateSize = 200,
        NRoutedExperts = 6,
        NumExpertsPerTok = 2,
    };

    [Fact]
    public void Encoder_RoundTripsEveryFiniteCode()
    {
        for (int b = 0; b < 256; b++)
        {
            if ((b & 0x7F) == 0x7F)
            {
                Assert.True(double.IsNaN(DtypeCodec.FromF8E4M3((byte)b)));
                continue;
            }
            double value = Decode((byte)b);
            Assert.Equal(value, DtypeCodec.FromF8E4M3((byte)b));
            // +0 and -0 are distinct codes and stay distinct: the sign of a float zero is kept.
            Assert.Equal(b, DtypeCodec.ToF8E4M3((float)value));
        }
        Assert.Equal(448.0, Decode(0x7E));
        Assert.Equal(Math.Pow(2, -9), Decode(0x01));
        Assert.Equal(Math.Pow(2, -6), Decode(0x08));
    }

    [Fact]
    public void Encoder_RoundsToNearestEven()
    {
        for (int code = 0; code < 126; code++)
        {
            // Adjacent codes are adjacent values; their midpoint (exact in float) goes to the even code.
            float mid = (float)((Decode((byte)code) + Decode((byte)(code + 1))) / 2);
            int even = code % 2 == 0 ? code : code + 1;
            Assert.Equal(even, DtypeCodec.ToF8E4M3(mid));
            Assert.Equal(even | 0x80, DtypeCodec.ToF8E4M3(-mid));
            Assert.Equal(code, DtypeCodec.ToF8E4M3(MathF.BitDecrement(mid)));
            Assert.Equal(code + 1, DtypeCodec.ToF8E4M3(MathF.BitIncrement(mid)));
        }
        Assert.Equal(0x7E, DtypeCodec.ToF8E4M3(448.01f)); // w / scale overshoots by an ulp at most: saturate
    }

    [Theory]
    [InlineData("partial", 1)]
    [InlineData("partial-no-q-lora", 2)]
    [InlineData("ds", 1)]
    [InlineData("k25", 2)]
    public void FileBytes_DecodeToTheReferenceValues(string preset, int shards)
    {
        var spec = preset switch
        {
            "partial-no-q-lora" => PartialBlocks with { QLoraRank = null, NumHiddenLayers = 2 },
            "ds" => TinyModelSpec.DeepSeekV3Style,
            "k25" => TinyModelSpec.KimiK25Nested with { NRoutedExperts = 8 },
            _ => PartialBlocks,
        };
        var options = new TinyCheckpointOptions { Quantization = CheckpointQuantization.Fp8Block, ShardCount = shards };
        using var dir = new TempDirectory();
        var weights = TinyCheckpointWriter.Write(dir.Path, spec, options);
        var plain = TinyCheckpointWriter.Generate(spec, options with { Quantization = null });
        var files = SafetensorsFile.ReadDirectory(dir.Path);
        Assert.Equal(weights.StoredNames.Order(), files.Keys.Order());

        var expectedQuantized = new HashSet<string>(StringComparer.Ordinal);
        var partialShapes = new HashSet<(int, int)>();
        foreach (var (name, tensor) in weights.Tensors)
        {
            string stored = spec.TensorPrefix + name;
            var (entry, data) = files[stored];
            if (!IsAttentionOrMlpLinear(name))
            {
                Assert.DoesNotContain(name, weights.DequantizedNames);
                Assert.False(files.ContainsKey(stored + "_scale_inv"));
                Assert.NotEqual("F8_E4M3", entry.Dtype);
                Assert.Equal(plain[name].Values, DtypeCodec.Decode(data, tensor.Dtype));
                Assert.Equal(plain[name].Values, tensor.Values);
                continue;
            }

            expectedQuantized.Add(name);
            int rows = tensor.Rows, cols = tensor.Cols, blockRows = (rows + 127) / 128, blockCols = (cols + 127) / 128;
            var (scaleEntry, scaleData) = files[stored + "_scale_inv"];
            AssertEntry(entry, "F8_E4M3", rows, cols);
            AssertEntry(scaleEntry, "F32", blockRows, blockCols);
            Assert.DoesNotContain(data, b => (b & 0x7F) == 0x7F);
            if (rows % 128 != 0 || cols % 128 != 0)
            {
                partialShapes.Add((rows, cols));
            }

            var blockMax = new double[blockRows * blockCols];
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < cols; c++)
                {
                    int block = r / 128 * blockCols + c / 128;
                    float scale = BinaryPrimitives.ReadSingleLittleEndian(scaleData.AsSpan(4 * block));
                    double code = Decode(data[r * cols + c]);
                    Assert.Equal(code * scale, tensor[r, c]);
                    blockMax[block] = Math.Max(blockMax[block], Math.Abs(code));
                    // Nearest E4M3 step at this magnitude is at most 1/16 relative (or 2^-9 absolute).
                    double step = Math.Max(Math.Abs(plain[name][r, c]) / 16, Math.Pow(2, -10) * scale);
                    Assert.True(Math.Abs(code * scale - plain[name][r, c]) <= step, $"{name}[{r},{c}]");
                }
            }
            // amax / 448 as the scale puts each block's largest weight on ±448 exactly.
            Assert.All(blockMax, m => Assert.Equal(448.0, m));
        }
        Assert.Equal(expectedQuantized.Order(), weights.DequantizedNames.Order());
        Assert.Contains("model.layers.0.self_attn.kv_b_proj.weight", expectedQuantized);
        Assert.Contains(expectedQuantized, n => n.EndsWith("mlp.shared_experts.down_proj.weight", StringComparison.Ordinal));
        Assert.Contains(expectedQuantized, n => n.Contains(".mlp.experts.", StringComparison.Ordinal));
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", expectedQuantized);
        Assert.DoesNotContain("model.layers.1.mlp.gate.weight", expectedQuantized);
        Assert.NotEmpty(partialShapes);
    }

    [Fact]
    public void Fp8Block_GivesAZeroBlockScaleOneAndKeepsRetypedModulesPlain()
    {
        const string oProj = "model.layers.0.self_attn.o_proj.weight";
        var fp8 = new TinyCheckpointOptions { Quantization = CheckpointQuantization.Fp8Block };
        var zeros = WeightQuantizer.Fp8Block(new double[6 * 5], 6, 5);
        Assert.All(zeros.Dequantized, v => Assert.Equal(0.0, v));
        Assert.Equal(1f, BinaryPrimitives.ReadSingleLittleEndian(zeros.Parts[1].Data));

        using var dir = new TempDirectory();
        // The existing negative test: an F8_E4M3 weight with no scale tensor.
        var bare = TinyCheckpointWriter.WriteWithF8Tensor(dir.Path, TinyModelSpec.KimiK2Style, oProj, fp8);
        var files = SafetensorsFile.ReadDirectory(dir.Path);
        Assert.Equal("F8_E4M3", files[oProj].Entry.Dtype);
        Assert.False(files.ContainsKey(oProj + "_scale_inv"));
        Assert.DoesNotContain(oProj, bare.DequantizedNames);

        TinyCheckpointWriter.WriteWithTensorDropped(dir.Path, TinyModelSpec.KimiK2Style, oProj + "_scale_inv", fp8);
        files = SafetensorsFile.ReadDirectory(dir.Path);
        Assert.Equal("F8_E4M3", files[oProj].Entry.Dtype);
        Assert.False(files.ContainsKey(oProj + "_scale_inv"));
    }

    [Fact]
    public void ReferenceModel_RunsOnDequantizedWeights()
    {
        var tokens = new[] { 1, 17, 42, 99, 200, 7 };
        var a = new ReferenceModel(TinyCheckpointWriter.Generate(PartialBlocks, new() { Quantization = CheckpointQuantization.Fp8Block })).Forward(tokens);
        var b = new ReferenceModel(TinyCheckpointWriter.Generate(PartialBlocks)).Forward(tokens);
        double spread = b.SelectMany(r => r).Max() - b.SelectMany(r => r).Min();
        double moved = a.Zip(b).SelectMany(p => p.First.Zip(p.Second, (x, y) => Math.Abs(x - y))).Max();
        Assert.InRange(moved, 1e-6, spread / 4);
    }

    /// <summary>E4M3FN by its definition: sign, exponent bias 7, subnormals at exponent 0.</summary>
    private static double Decode(byte b)
    {
        int exponent = (b >> 3) & 0xF, mantissa = b & 7;
        double magnitude = exponent == 0
            ? Math.ScaleB(mantissa, -9)
            : Math.ScaleB(8 + mantissa, exponent - 10);
        return (b & 0x80) != 0 ? -magnitude : magnitude;
    }

    private static bool IsAttentionOrMlpLinear(string name) =>
        name.StartsWith("model.layers.", StringComparison.Ordinal)
        && (name.EndsWith("proj.weight", StringComparison.Ordinal) || name.EndsWith("proj_with_mqa.weight", StringComparison.Ordinal));

    private static void AssertEntry(SafetensorsEntry entry, string dtype, params long[] shape)
    {
        Assert.Equal(dtype, entry.Dtype);
        Assert.Equal(shape, entry.Shape);
    }
}
