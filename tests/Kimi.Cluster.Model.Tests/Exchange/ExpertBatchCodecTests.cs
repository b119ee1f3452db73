using System.Runtime.InteropServices;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Exchange;

namespace Kimi.Cluster.Model.Tests.Exchange;

/// <summary>
/// Both ends of the data plane through the one codec: the part of a layer's work for one expert
/// worker decodes into the same work on the other side, and its partial sums come back onto the
/// right tokens, in float32 exactly and in bfloat16 at half the bytes.
/// </summary>
public sealed class ExpertBatchCodecTests
{
    private static readonly ModelConfig Config = ModelConfig.Tiny;
    private static readonly int MoeLayer = Enumerable.Range(0, Config.NumHiddenLayers).First(Config.IsMoeLayer);

    /// <summary>Three tokens, top-2: token t's row is t + j/100, its experts 3t and 3t+1 with weights 0.25 and 0.75.</summary>
    private static ExpertWork Work()
    {
        int hidden = Config.HiddenSize;
        float[] rows = [.. Enumerable.Range(0, 3 * hidden).Select(i => i / hidden + i % hidden / 100f)];
        return new ExpertWork(MoeLayer, hidden, rows, [2, 2, 2], [0, 1, 3, 4, 6, 7], [0.25f, 0.75f, 0.25f, 0.75f, 0.25f, 0.75f]);
    }

    [Fact]
    public void Decode_GivesTheSameWorkWithEachTokenOnce_WhenGivenAPartOfTheWork()
    {
        var work = Work();
        int[] pairs = [1, 4, 5]; // token 0's second pair, both of token 2's

        var batch = ExpertBatchCodec.Encode(work, pairs, ActivationDType.Float32, out int[] tokenOfRow);
        var decoded = ExpertBatchCodec.Decode(batch, Config);

        Assert.Equal([0, 2], tokenOfRow);
        Assert.Equal([1, 2], decoded.PairsPerToken);
        Assert.Equal([1, 6, 7], decoded.ExpertIds);
        Assert.Equal([0.75f, 0.25f, 0.75f], decoded.Weights);
        int hidden = Config.HiddenSize;
        Assert.Equal([.. work.Hidden.AsSpan(0, hidden), .. work.Hidden.AsSpan(2 * hidden, hidden)], decoded.Hidden);
        Assert.Equal((long)2 * hidden * sizeof(float), batch.Hidden.Length);
    }

    [Fact]
    public void Bfloat16_HalvesTheBytesAndRoundsEachValueOnce()
    {
        var work = Work();
        var float32 = ExpertBatchCodec.Encode(work, [0, 1, 2, 3, 4, 5], ActivationDType.Float32, out _);
        var bfloat16 = ExpertBatchCodec.Encode(work, [0, 1, 2, 3, 4, 5], ActivationDType.Bfloat16, out _);

        Assert.Equal(float32.Hidden.Length / 2, bfloat16.Hidden.Length);
        var decoded = ExpertBatchCodec.Decode(bfloat16, Config).Hidden;
        for (int i = 0; i < work.Hidden.Length; i++)
            Assert.True(Math.Abs(decoded[i] - work.Hidden[i]) <= Math.Abs(work.Hidden[i]) / 256, $"value {i}: {decoded[i]} from {work.Hidden[i]}");
    }

    [Theory]
    [InlineData(ActivationDType.Float32)]
    [InlineData(ActivationDType.Bfloat16)]
    public void AddPartials_PutsPartialSumsBackOntoTheirTokens(ActivationDType dtype)
    {
        int hidden = Config.HiddenSize;
        float[] sums = [.. Enumerable.Range(0, 2 * hidden).Select(i => 1f + i)]; // rows for tokens 0 and 2, exact in bf16 up to 256
        var answer = ExpertBatchCodec.EncodePartials(9, sums, dtype);
        var output = new float[3 * hidden];
        Array.Fill(output, 0.5f);

        ExpertBatchCodec.CheckPartials(answer, dtype, rows: 2, hidden, "http://worker");
        ExpertBatchCodec.AddPartials(answer, [0, 2], hidden, output);

        Assert.Equal(9ul, answer.CallId);
        Assert.Equal(dtype, answer.Dtype);
        for (int j = 0; j < hidden; j++)
        {
            Assert.Equal(1.5f + j, output[j]);
            Assert.Equal(0.5f, output[hidden + j]);
            Assert.Equal(1.5f + hidden + j, output[2 * hidden + j]);
        }
    }

    [Fact]
    public void CheckPartials_NamesTheWorker_WhenAnAnswerDoesNotFitItsBatch()
    {
        var answer = ExpertBatchCodec.EncodePartials(1, new float[Config.HiddenSize], ActivationDType.Float32);

        var wrongDtype = Assert.Throws<InvalidDataException>(() => ExpertBatchCodec.CheckPartials(answer, ActivationDType.Bfloat16, 1, Config.HiddenSize, "http://w1"));
        var wrongSize = Assert.Throws<InvalidDataException>(() => ExpertBatchCodec.CheckPartials(answer, ActivationDType.Float32, 2, Config.HiddenSize, "http://w1"));

        Assert.Contains("http://w1 answered in Float32", wrongDtype.Message, StringComparison.Ordinal);
        Assert.Contains("for 2 tokens", wrongSize.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_RefusesNamingTheField_WhenABatchDoesNotFitTheModel()
    {
        var batch = ExpertBatchCodec.Encode(Work(), [0], ActivationDType.Float32, out _);
        batch.GateWeights = Google.Protobuf.ByteString.CopyFrom(MemoryMarshal.AsBytes(new float[] { 1f, 2f }.AsSpan()));

        var error = Assert.Throws<ArgumentException>(() => ExpertBatchCodec.Decode(batch, Config));

        Assert.Equal("expert_ids", error.ParamName);
        Assert.Contains("1 pairs per pairs_per_token, but 1 expert ids and 2 gate weights", error.Message, StringComparison.Ordinal);
    }
}
