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

    /// <summary>Builds the batch for <paramref name="pairs"/> (ascending pair indexes of <paramref name="exchange"/>).</summary>
    public static EndpointBatch Create(ExpertExchange exchange, string endpoint, int[] pairs)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(pairs);
        int rowBytes = exchange.HiddenSize * sizeof(float);
        var message = new ExpertBatch
        {
            Layer = (uint)exchange.Layer,
            HiddenSize = (uint)exchange.HiddenSize,
            Dtype = ActivationDType.Float32,
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
        for (int row = 0; row < tokens.Count; row++)
            Buffer.BlockCopy(exchange.Hidden, tokens[row] * rowBytes, hidden, row * rowBytes, rowBytes);
        // Fresh arrays owned by the message: wrapping them skips a copy of the activations.
        message.Hidden = UnsafeByteOperations.UnsafeWrap(hidden);
        message.GateWeights = UnsafeByteOperations.UnsafeWrap(MemoryMarshal.AsBytes(weights.AsSpan()).ToArray());
        return new EndpointBatch(endpoint, pairs, [.. tokens], exchange.HiddenSize, message);
    }

    /// <summary>Checks an answer's size; throws naming the endpoint when it does not fit this batch.</summary>
    public void CheckAnswer(ExpertPartials answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        long expected = (long)_tokenOfRow.Length * _hiddenSize * sizeof(float);
        if (answer.PartialSums.Length != expected)
            throw new InvalidDataException(
                $"expert worker {Endpoint} answered {answer.PartialSums.Length} bytes of partial sums for {_tokenOfRow.Length} tokens; expected {expected}");
    }

    /// <summary>Adds the answer's rows (float32 little-endian, like every x64/arm64 host) onto the layer's output.</summary>
    public void AddInto(float[] output, ExpertPartials answer)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(answer);
        var sums = MemoryMarshal.Cast<byte, float>(answer.PartialSums.Span);
        for (int row = 0; row < _tokenOfRow.Length; row++)
        {
            var source = sums.Slice(row * _hiddenSize, _hiddenSize);
            var target = output.AsSpan(_tokenOfRow[row] * _hiddenSize, _hiddenSize);
            for (int j = 0; j < _hiddenSize; j++)
                target[j] += source[j];
        }
    }
}
