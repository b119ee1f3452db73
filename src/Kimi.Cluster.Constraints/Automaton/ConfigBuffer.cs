namespace Kimi.Cluster.Constraints;

/// <summary>A reusable set of configurations (small: usually one), filled by the step functions.</summary>
internal sealed class ConfigBuffer
{
    private Config[] _items = new Config[4];

    public int Count { get; private set; }

    public ref readonly Config this[int index] => ref _items[index];

    public void Clear() => Count = 0;

    public void Add(in Config config)
    {
        for (int i = 0; i < Count; i++)
        {
            if (_items[i].Equals(config))
                return;
        }
        if (Count == _items.Length)
            Array.Resize(ref _items, Count * 2);
        _items[Count++] = config;
    }

    /// <summary>Exchanges contents with <paramref name="other"/> (double buffering without copies).</summary>
    public void Swap(ConfigBuffer other)
    {
        (_items, other._items) = (other._items, _items);
        (Count, other.Count) = (other.Count, Count);
    }

    public Config[] ToArray() => _items.AsSpan(0, Count).ToArray();
}
