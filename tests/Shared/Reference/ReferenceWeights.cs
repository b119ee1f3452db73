namespace Kimi.Cluster.Tests.Shared.Reference;

/// <summary>
/// The text model's tensors by Hugging Face name WITHOUT the K2.5 "language_model." prefix,
/// plus the spec: everything the reference model needs, without reading any file.
/// </summary>
public sealed class ReferenceWeights
{
    private readonly Dictionary<string, ReferenceTensor> _tensors;

    public ReferenceWeights(
        TinyModelSpec spec,
        IDictionary<string, ReferenceTensor> tensors,
        IReadOnlyList<string> storedNames,
        CheckpointQuantization? quantization = null,
        IEnumerable<string>? dequantizedNames = null)
    {
        Spec = spec;
        _tensors = new Dictionary<string, ReferenceTensor>(tensors, StringComparer.Ordinal);
        StoredNames = storedNames;
        Quantization = quantization;
        DequantizedNames = new HashSet<string>(dequantizedNames ?? [], StringComparer.Ordinal);
    }

    public TinyModelSpec Spec { get; }

    /// <summary>Text tensors (unprefixed names); vision stand-ins are not here.</summary>
    public IReadOnlyDictionary<string, ReferenceTensor> Tensors => _tensors;

    /// <summary>Every tensor name as written to the files (prefixed, vision included), in write order.</summary>
    public IReadOnlyList<string> StoredNames { get; }

    /// <summary>The scheme the checkpoint was written with; null when unquantized.</summary>
    public CheckpointQuantization? Quantization { get; }

    /// <summary>
    /// Text tensors (unprefixed "….weight" names) whose values are dequantized codes · scales; the
    /// file holds codes and scales for them instead of a plain weight.
    /// </summary>
    public IReadOnlySet<string> DequantizedNames { get; }

    public ReferenceTensor this[string name] =>
        _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"no tensor '{name}'");

    /// <summary>Shorthand for <c>model.layers.{layer}.{suffix}</c>.</summary>
    public ReferenceTensor Layer(int layer, string suffix) => this[$"model.layers.{layer}.{suffix}"];

    public bool Contains(string name) => _tensors.ContainsKey(name);
}
