namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// One tensor of a tiny checkpoint before its values exist: name without the K2.5 prefix,
/// shape [out, in] like torch nn.Linear, stored type, and the normal it is drawn from.
/// </summary>
/// <param name="Layer">Decoder layer it belongs to (decides the shard); -1 before the layers, NumHiddenLayers after.</param>
/// <param name="IsText">False for the K2.5 vision tensors, which are stored without the text prefix.</param>
public sealed record TinyTensorSpec(
    string Name, int[] Shape, StoredDtype Dtype, double Mean, double Std, int Layer, bool IsText = true)
{
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (int d in Shape)
            {
                count *= d;
            }
            return count;
        }
    }

    public string StoredName(TinyModelSpec spec) => IsText ? spec.TensorPrefix + Name : Name;
}
