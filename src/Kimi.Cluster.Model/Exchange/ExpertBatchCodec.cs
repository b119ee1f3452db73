using System.Runtime.InteropServices;
using Google.Protobuf;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Configuration;

namespace Kimi.Cluster.Model.Exchange;

/// <summary>
/// <see cref="ExpertWork"/> on the data plane, both ends: the attention worker encodes the part
/// of a layer's work that one expert worker serves as an ExpertBatch (each token's row once, in
/// the wire dtype), the expert worker decodes it, checked against its model, into the same
/// ExpertWork, and the partial sums go back as ExpertPartials in the batch's dtype. Each
/// direction copies an activation once here, straight between the floats and the message bytes.
/// </summary>
public static class ExpertBatchCodec
{
    /// <summary>Bytes of one activation value on the wire.</summary>
    public static int ValueBytes(ActivationDType dtype) =>
        dtype == ActivationDType.Bfloat16 ? ActivationCodec.BFloat16Size : ActivationCodec.Float32Size;

    /// <summary>
    /// The pairs <paramref name="pairs"/> (ascending indexes into <paramref name="work"/>'s pairs) as
    /// one batch in which each token they touch appears once; <paramref name="tokenOfRow"/> maps the
    /// batch's rows, and so its answer's, back to <paramref name="work"/>'s tokens.
    /// </summary>
    public static ExpertBatch Encode(ExpertWork work, IReadOnlyList<int> pairs, ActivationDType dtype, out int[] tokenOfRow)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(pairs);
        int width = work.HiddenSize, rowBytes = width * ValueBytes(dtype);
        var batch = new ExpertBatch { Layer = (uint)work.Layer, HiddenSize = (uint)width, Dtype = dtype };
        var tokens = new List<int>();
        var weights = new float[pairs.Count];
        for (int i = 0; i < pairs.Count; i++)
        {
            int pair = pairs[i], token = work.TokenOf(pair);
            if (tokens.Count == 0 || tokens[^1] != token)
            {
                tokens.Add(token);
                batch.PairsPerToken.Add(0);
            }
            batch.PairsPerToken[^1]++;
            batch.ExpertIds.Add((uint)work.ExpertIds[pair]);
            weights[i] = work.Weights[pair];
        }
        var hidden = new byte[tokens.Count * rowBytes];
        for (int row = 0; row < tokens.Count; row++)
        {
            var values = work.Hidden.AsSpan(tokens[row] * width, width);
            var target = hidden.AsSpan(row * rowBytes, rowBytes);
            if (dtype == ActivationDType.Bfloat16)
                ActivationCodec.ToBFloat16(values, target);
            else
                MemoryMarshal.AsBytes(values).CopyTo(target);
        }
        // Fresh arrays owned by the message: wrapping them skips another copy.
        batch.Hidden = UnsafeByteOperations.UnsafeWrap(hidden);
        batch.GateWeights = UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(weights.AsSpan()).ToArray());
        tokenOfRow = [.. tokens];
        return batch;
    }

    /// <summary>
    /// The batch as work, checked against the model before any compute: an ArgumentException names
    /// what is wrong (the data plane answers INVALID_ARGUMENT with it).
    /// </summary>
    public static ExpertWork Decode(ExpertBatch batch, ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(config);
        string at = $"call {batch.CallId}, layer {batch.Layer}";
        if (batch.Dtype is not (ActivationDType.Float32 or ActivationDType.Bfloat16))
            throw new ArgumentException($"{at}: dtype {batch.Dtype} is not supported (float32 or bfloat16)", "dtype");
        if (batch.HiddenSize != config.HiddenSize)
            throw new ArgumentException($"{at}: hidden_size {batch.HiddenSize} does not match the model's {config.HiddenSize}", "hidden_size");
        if (batch.Layer >= config.NumHiddenLayers || !config.IsMoeLayer((int)batch.Layer))
            throw new ArgumentException($"{at}: layer {batch.Layer} is not a MoE layer of this model", "layer");
        long tokens = batch.PairsPerToken.Count, expectedBytes = tokens * config.HiddenSize * ValueBytes(batch.Dtype);
        if (batch.Hidden.Length != expectedBytes)
            throw new ArgumentException($"{at}: hidden has {batch.Hidden.Length} bytes, {tokens} tokens × {config.HiddenSize} {batch.Dtype} need {expectedBytes}", "hidden");
        long pairs = batch.PairsPerToken.Sum(p => (long)p);
        if (batch.ExpertIds.Count != pairs || batch.GateWeights.Length != pairs * ActivationCodec.Float32Size)
            throw new ArgumentException(
                $"{at}: {pairs} pairs per pairs_per_token, but {batch.ExpertIds.Count} expert ids and {batch.GateWeights.Length / ActivationCodec.Float32Size} gate weights",
                "expert_ids");
        if (batch.ExpertIds.FirstOrDefault(e => e >= config.NRoutedExperts, uint.MaxValue) is var bad && bad != uint.MaxValue)
            throw new ArgumentException($"{at}: unknown expert id {bad} (the model has {config.NRoutedExperts})", "expert_ids");
        var hidden = new float[tokens * config.HiddenSize];
        if (batch.Dtype == ActivationDType.Bfloat16)
            ActivationCodec.FromBFloat16(batch.Hidden.Span, hidden);
        else
            batch.Hidden.Span.CopyTo(MemoryMarshal.AsBytes(hidden.AsSpan()));
        return new ExpertWork((int)batch.Layer, config.HiddenSize, hidden, [.. batch.PairsPerToken.Select(p => (int)p)],
            [.. batch.ExpertIds.Select(e => (int)e)], ActivationCodec.DecodeFloats(batch.GateWeights.Span));
    }

    /// <summary>The partial sums for a batch (float32 [tokens, hidden]), in its dtype.</summary>
    public static ExpertPartials EncodePartials(ulong callId, float[] sums, ActivationDType dtype)
    {
        ArgumentNullException.ThrowIfNull(sums);
        byte[] bytes;
        if (dtype == ActivationDType.Bfloat16)
            ActivationCodec.ToBFloat16(sums, bytes = new byte[sums.Length * ActivationCodec.BFloat16Size]);
        else
            bytes = MemoryMarshal.AsBytes(sums.AsSpan()).ToArray();
        return new ExpertPartials { CallId = callId, PartialSums = UnsafeByteOperations.UnsafeWrap(bytes), Dtype = dtype };
    }

    /// <summary>Checks an answer's dtype and size against its batch; InvalidDataException naming <paramref name="endpoint"/> when it does not fit.</summary>
    public static void CheckPartials(ExpertPartials answer, ActivationDType sent, int rows, int hiddenSize, string endpoint)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var dtype = DtypeOf(answer);
        if (dtype != sent)
            throw new InvalidDataException($"expert worker {endpoint} answered in {dtype} a batch sent in {sent}");
        long expected = (long)rows * hiddenSize * ValueBytes(dtype);
        if (answer.PartialSums.Length != expected)
            throw new InvalidDataException(
                $"expert worker {endpoint} answered {answer.PartialSums.Length} bytes of partial sums for {rows} tokens; expected {expected}");
    }

    /// <summary>Adds a checked answer's rows onto <paramref name="output"/>'s tokens ([tokens, hidden]): row r goes to token tokenOfRow[r].</summary>
    public static void AddPartials(ExpertPartials answer, int[] tokenOfRow, int hiddenSize, float[] output)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(tokenOfRow);
        ArgumentNullException.ThrowIfNull(output);
        bool halves = DtypeOf(answer) == ActivationDType.Bfloat16;
        var widened = halves ? new float[hiddenSize] : null;
        int rowBytes = hiddenSize * ValueBytes(DtypeOf(answer));
        for (int row = 0; row < tokenOfRow.Length; row++)
        {
            var bytes = answer.PartialSums.Span.Slice(row * rowBytes, rowBytes);
            ReadOnlySpan<float> source = halves ? widened : MemoryMarshal.Cast<byte, float>(bytes);
            if (halves)
                ActivationCodec.FromBFloat16(bytes, widened);
            var target = output.AsSpan(tokenOfRow[row] * hiddenSize, hiddenSize);
            for (int j = 0; j < hiddenSize; j++)
                target[j] += source[j];
        }
    }

    // Workers from before the answer carried a dtype answered float32.
    private static ActivationDType DtypeOf(ExpertPartials answer) =>
        answer.Dtype == ActivationDType.Unspecified ? ActivationDType.Float32 : answer.Dtype;
}
