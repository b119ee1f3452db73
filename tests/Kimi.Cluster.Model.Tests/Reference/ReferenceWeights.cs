namespace Kimi.Cluster.Model.Tests.Reference;

/// <summary>
/// The text model's tensors by Hugging Face name WITHOUT the K2.5 "language_model." prefix,
/// plus the spec: everything the reference model needs, without reading any file.
/// </summary>
public sealed class ReferenceWeights
{
    private readonly Dictionary<string, ReferenceTensor> _tensors;

    public ReferenceWeights(TinyModelSpec spec, IDictionary<string, ReferenceTensor> tensors, IReadOnlyList<string> storedNames)
    {
        Spec = spec;
        _tensors = new Dictionary<string, ReferenceTensor>(tensors, StringComparer.Ordinal);
        StoredNames = storedNames;
    }

    public TinyModelSpec Spec { get; }

    /// <summary>Text tensors (unprefixed names); vision stand-ins are not here.</summary>
    public IReadOnlyDictionary<string, ReferenceTensor> Tensors => _tensors;

    /// <summary>Every tensor name as written to the files (prefixed, vision included), in write order.</summary>
    public IReadOnlyList<string> StoredNames { get; }

    public ReferenceTensor this[string name] =>
        _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"no tensor '{name}'");

    /// <summary>Shorthand for <c>model.layers.{layer}.{suffix}</c>.</summary>
    public ReferenceTensor Layer(int layer, string suffix) => this[$"model.layers.{layer}.{suffix}"];

    public bool Contains(string name) => _tensors.ContainsKey(name);
}
