namespace Kimi.Cluster.Constraints;

/// <summary>Lays out a <see cref="TokenTrie"/> from token byte strings added in sorted order.</summary>
internal sealed class TokenTrieBuilder
{
    private readonly List<byte> _labels = [0];
    private readonly List<int> _depths = [0];
    private readonly List<int> _ends = [0];
    private readonly List<int> _tokens = [-1];
    private readonly int[] _nextSame;
    private readonly List<int> _path = [0]; // node of each depth on the current path
    private int _lastToken = -1;
    private int _lastLength = -1;

    public TokenTrieBuilder(int idCount)
    {
        _nextSame = new int[idCount];
        Array.Fill(_nextSame, -1);
    }

    /// <summary>Adds a token whose first <paramref name="shared"/> bytes equal the previous token's.</summary>
    public void Add(int id, byte[] bytes, int shared)
    {
        if (shared == bytes.Length && shared == _lastLength)
        {
            ChainSameBytes(id);
            return;
        }
        ClosePath(shared + 1);
        for (int depth = shared + 1; depth <= bytes.Length; depth++)
        {
            _path.Add(_labels.Count);
            _labels.Add(bytes[depth - 1]);
            _depths.Add(depth);
            _ends.Add(0);
            _tokens.Add(-1);
        }
        _tokens[_path[^1]] = id;
        _lastToken = id;
        _lastLength = bytes.Length;
    }

    public (byte[] Labels, int[] Depths, int[] Ends, int[] Tokens, int[] NextSame) Finish()
    {
        ClosePath(0);
        return ([.. _labels], [.. _depths], [.. _ends], [.. _tokens], _nextSame);
    }

    private void ChainSameBytes(int id)
    {
        int last = _lastToken;
        while (_nextSame[last] >= 0)
            last = _nextSame[last];
        _nextSame[last] = id;
    }

    /// <summary>Ends the subtrees of the path's nodes at depth <paramref name="depth"/> and deeper.</summary>
    private void ClosePath(int depth)
    {
        for (int d = _path.Count - 1; d >= depth; d--)
        {
            _ends[_path[d]] = _labels.Count;
            _path.RemoveAt(d);
        }
    }
}
