namespace Kimi.Cluster.Constraints;

/// <summary>
/// A small trie of known byte strings (enum values, property names) where each string carries a
/// value (its index). Node 0 is the root; <see cref="SubtreeValues"/> lists, sorted, the values of
/// the strings through a node, so a walk can ask whether a wanted one is still ahead.
/// </summary>
internal sealed class ByteTrie
{
    private readonly Dictionary<int, int> _children = [];
    private readonly List<int> _values = [-1];
    private readonly List<List<int>> _subtree = [[]];
    private readonly List<bool> _hasChildren = [false];
    private int[][] _sortedSubtree = [];

    public void Add(ReadOnlySpan<byte> bytes, int value)
    {
        int node = 0;
        _subtree[0].Add(value);
        foreach (byte b in bytes)
        {
            if (!_children.TryGetValue(Key(node, b), out int child))
            {
                child = _values.Count;
                _values.Add(-1);
                _subtree.Add([]);
                _hasChildren.Add(false);
                _hasChildren[node] = true;
                _children[Key(node, b)] = child;
            }
            node = child;
            _subtree[node].Add(value);
        }
        if (_values[node] < 0)
            _values[node] = value; // the first of equal strings wins
    }

    /// <summary>Call once all strings are added.</summary>
    public ByteTrie Freeze()
    {
        _sortedSubtree = [.. _subtree.Select(values => values.Distinct().Order().ToArray())];
        return this;
    }

    public int Child(int node, byte b) => _children.TryGetValue(Key(node, b), out int child) ? child : -1;

    /// <summary>The value of the string ending at <paramref name="node"/>, or -1.</summary>
    public int ValueAt(int node) => _values[node];

    /// <summary>No string continues past <paramref name="node"/>.</summary>
    public bool IsLeaf(int node) => !_hasChildren[node];

    public ReadOnlySpan<int> SubtreeValues(int node) => _sortedSubtree[node];

    /// <summary>True when a string through <paramref name="node"/> has a value in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public bool HasValueBetween(int node, int low, int high)
    {
        var values = SubtreeValues(node);
        int at = values.BinarySearch(low);
        int first = at >= 0 ? at : ~at;
        return first < values.Length && values[first] <= high;
    }

    private static int Key(int node, byte b) => (node << 8) | b;
}
