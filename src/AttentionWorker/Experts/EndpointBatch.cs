using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Model.Exchange;

namespace Kimi.Cluster.AttentionWorker.Experts;

/// <summary>
/// The part of one layer's <see cref="ExpertWork"/> that goes to one expert worker: the pairs
/// whose experts it serves, encoded as one ExpertBatch (<see cref="ExpertBatchCodec"/>), and
/// where its answer's rows go among the layer's tokens.
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

    /// <summary>Indexes into the work's pairs, ascending.</summary>
    public IReadOnlyList<int> Pairs { get; }

    public ExpertBatch Message { get; }

    /// <summary>The batch for <paramref name="pairs"/> (ascending), its activations in <paramref name="wire"/> (float32, or bfloat16 for half the bytes).</summary>
    public static EndpointBatch Create(ExpertWork work, string endpoint, int[] pairs, ActivationDType wire = ActivationDType.Float32)
    {
        ArgumentNullException.ThrowIfNull(work);
        var message = ExpertBatchCodec.Encode(work, pairs, wire, out int[] tokenOfRow);
        return new EndpointBatch(endpoint, pairs, tokenOfRow, work.HiddenSize, message);
    }

    /// <summary>Checks an answer's dtype and size; throws naming the endpoint when it does not fit this batch.</summary>
    public void CheckAnswer(ExpertPartials answer) =>
        ExpertBatchCodec.CheckPartials(answer, Message.Dtype, _tokenOfRow.Length, _hiddenSize, Endpoint);

    /// <summary>Adds the (checked) answer's rows onto the layer's output.</summary>
    public void AddInto(float[] output, ExpertPartials answer) => ExpertBatchCodec.AddPartials(answer, _tokenOfRow, _hiddenSize, output);
}
