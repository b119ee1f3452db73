using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers.Vision;

/// <summary>
/// Every intermediate of one encoder call, float32 copies the trace owns, so a test can find the
/// first step where the encoder departs from a reference. Rows follow the packed images.
/// </summary>
public sealed class VisionTrace : IDisposable
{
    private readonly List<Tensor> _blockOutputs = [];

    /// <summary>[Σ patches, hidden]: the patch embedding plus the position grid.</summary>
    public Tensor? PatchEmbeddings { get; private set; }

    /// <summary>[Σ patches, hidden] after each encoder block.</summary>
    public IReadOnlyList<Tensor> BlockOutputs => _blockOutputs;

    /// <summary>[Σ merged tokens, 4·hidden]: after the final LayerNorm and the 2×2 merge.</summary>
    public Tensor? Merged { get; private set; }

    /// <summary>[Σ merged tokens, text hidden]: the projector's output (what the encoder returns).</summary>
    public Tensor? Projected { get; private set; }

    internal void RecordPatchEmbeddings(Tensor x) => PatchEmbeddings = Kept(x);

    internal void RecordBlockOutput(Tensor x) => _blockOutputs.Add(Kept(x));

    internal void RecordMerged(Tensor x) => Merged = Kept(x);

    internal void RecordProjected(Tensor x) => Projected = Kept(x);

    private static Tensor Kept(Tensor x) => x.detach().clone().DetachFromDisposeScope();

    public void Dispose()
    {
        PatchEmbeddings?.Dispose();
        foreach (var output in _blockOutputs)
            output.Dispose();
        Merged?.Dispose();
        Projected?.Dispose();
    }
}
