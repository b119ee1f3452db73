namespace Kimi.Cluster.Constraints;

/// <summary>
/// The declared properties of an object schema as a key trie, and which of them may come next:
/// properties come in declared order, optional ones may be skipped, required ones may not.
/// </summary>
internal sealed class ObjectKeys
{
    private readonly int[] _lastCandidate; // by (index of the last property written + 1)

    public ObjectKeys(IReadOnlyList<PropertyRule> properties)
    {
        Count = properties.Count;
        Trie = new ByteTrie();
        for (int i = 0; i < properties.Count; i++)
            Trie.Add(CanonicalJson.StringBodyAndQuote(properties[i].Name), i);
        Trie.Freeze();
        _lastCandidate = new int[Count + 1];
        int next = Count - 1;
        for (int after = Count - 1; after >= -1; after--)
        {
            _lastCandidate[after + 1] = next;
            if (after >= 0 && properties[after].Required)
                next = after;
        }
        LastRequired = properties.Select((p, i) => p.Required ? i : -1).DefaultIfEmpty(-1).Max();
    }

    /// <summary>The key bytes after the opening quote, closing quote included; values are property indices.</summary>
    public ByteTrie Trie { get; }

    public int Count { get; }

    /// <summary>The index of the last required property, -1 when none is.</summary>
    public int LastRequired { get; }

    /// <summary>May the object close after property <paramref name="last"/> (-1: none yet)?</summary>
    public bool CanClose(int last) => last >= LastRequired;

    /// <summary>May another property follow property <paramref name="last"/>?</summary>
    public bool HasMore(int last) => last < Count - 1;

    /// <summary>Does the key trie node lead to a property allowed after <paramref name="last"/>?</summary>
    public bool Leads(int node, int last) => Trie.HasValueBetween(node, last + 1, _lastCandidate[last + 1]);
}
