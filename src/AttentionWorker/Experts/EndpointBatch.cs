using System.Runtime.InteropServices;
using Google.Protobuf;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.DataPlane;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// The part of one layer's exchange that goes to one expert worker: the (token, expert) pairs
/// whose experts it serves, as one ExpertBatch in which every such token appears once, and
/// how its answer's rows map back onto the layer's tokens.
/// </summary>
public sealed class EndpointBatch
{
    private readonly int[] _tokenOfRow;
    private readonly int _hiddenSize;

    private EndpointBatch(string endpoint, int[] pairs, int[] tokenOfRow, int hiddenSize, ExpertBatch message)
    {
        Endpoint = endpoint;
        Pairs = pairs;
        _tokenOfRow = tokenOfRow;
        _hiddenSize = hiddenSize;
        Message = message;
    }

    public string Endpoint { get; }

    /// <summary>Indexes into the exchange's ExpertIds/Weights (token-major), ascending.</summary>
    public IReadOnlyList<int> Pairs { get; }

    public ExpertBatch Message { get; }

    /// <summary>
    /// Builds the batch for <paramref name="pairs"/> (ascending pair indexes of <paramref name="exchange"/>),
    /// its activations in <paramref name="wire"/> (float32, or bfloat16 for half the bytes).
    /// </summary>
    public static EndpointBatch Create(ExpertExchange exchange, string endpoint, int[] pairs, ActivationDType wire = ActivationDType.Float32)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(pairs);
        int width = exchange.HiddenSize, rowBytes = width * ValueBytes(wire);
        var message = new ExpertBatch
        {
            Layer = (uint)exchange.Layer,
            HiddenSize = (uint)exchange.HiddenSize,
            Dtype = wire,
        };
        var tokens = new List<int>();
        var weights = new float[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            int pair = pairs[i], token = pair / exchange.TopK;
            if (tokens.Count == 0 || tokens[^1] != token)
            {
                tokens.Add(token);
                message.PairsPerToken.Add(0);
            }
            message.PairsPerToken[^1]++;
            message.ExpertIds.Add((uint)exchange.ExpertIds[pair]);
            weights[i] = exchange.Weights[pair];
        }
        var hidden = new byte[tokens.Count * rowBytes];
        var rows = MemoryMarshal.Cast<byte, float>(exchange.Hidden.AsSpan());
        for (int row = 0; row < tokens.Count; row++)
        {
            var values = rows.Slice(tokens[row] * width, width);
            var target = hidden.AsSpan(row * rowBytes, rowBytes);
            if (wire == ActivationDType.Bfloat16)
                ActivationCodec.ToBFloat16(values, target);
            else
                MemoryMarshal.AsBytes(values).CopyTo(target);
        }
        // Fresh arrays owned by the message: wrapping them skips a copy of the activations.
        message.Hidden = UnsafeByteOperations.UnsafeWrap(hidden);
        message.GateWeights = UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(weights.AsSpan()).ToArray());
        return new EndpointBatch(endpoint, pairs, [.. tokens], exchange.HiddenSize, message);
    }

    /// <summary>Checks an answer's dtype and size; throws naming the endpoint when it does not fit this batch.</summary>
    public void CheckAnswer(ExpertPartials answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var dtype = AnswerDtype(answer);
        if (dtype != Message.Dtype)
            throw new InvalidDataException($"expert worker {Endpoint} answered in {dtype} a batch sent in {Message.Dtype}");
        long expected = (long)_tokenOfRow.Length * _hiddenSize * ValueBytes(dtype);
        if (answer.PartialSums.Length != expected)
            throw new InvalidDataException(
                $"expert worker {Endpoint} answered {answer.PartialSums.Length} bytes of partial sums for {_tokenOfRow.Length} tokens; expected {expected}");
    }

    /// <summary>Adds the answer's rows (little-endian, like every x64/arm64 host) onto the layer's output.</summary>
    public void AddInto(float[] output, ExpertPartials answer)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(answer);
        var dtype = AnswerDtype(answer);
        bool halves = dtype == ActivationDType.Bfloat16;
        var widened = halves ? new float[_hiddenSize] : null;
        int rowBytes = _hiddenSize * ValueBytes(dtype);
        for (int row = 0; row < _tokenOfRow.Length; row++)
        {
            var bytes = answer.PartialSums.Span.Slice(row * rowBytes, rowBytes);
            ReadOnlySpan<float> source = halves ? widened : MemoryMarshal.Cast<byte, float>(bytes);
            if (halves)
                ActivationCodec.FromBFloat16(bytes, widened);
            var target = output.AsSpan(_tokenOfRow[row] * _hiddenSize, _hiddenSize);
            for (int j = 0; j < _hiddenSize; j++)
                target[j] += source[j];
        }
    }

    /// <summary>Bytes of one activation value on the wire.</summary>
    public static int ValueBytes(ActivationDType dtype) => dtype == ActivationDType.Bfloat16 ? ActivationCodec.BFloat16Size : sizeof(float);

    // Workers from before the answer carried a dtype answered float32.
    private static ActivationDType AnswerDtype(ExpertPartials answer) =>
        answer.Dtype == ActivationDType.Unspecified ? ActivationDType.Float32 : answer.Dtype;
}
