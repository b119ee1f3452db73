namespace Kimi.Cluster.Constraints;

/// <summary>
/// An open JSON object or array: the persistent (immutable, shared) stack of the pushdown
/// automaton. <see cref="Index"/> is the object's last property index or the array's item count
/// (capped where it stops mattering), so equal positions compare equal.
/// </summary>
internal sealed class Frame : IEquatable<Frame>
{
    private readonly int _hash;

    public Frame(Frame? parent, SchemaNode container, bool isArray, int index)
    {
        Parent = parent;
        Container = container;
        IsArray = isArray;
        Index = index;
        Depth = (parent?.Depth ?? 0) + 1;
        _hash = HashCode.Combine(parent?._hash ?? 0, container, isArray, index);
    }

    public Frame? Parent { get; }
    public SchemaNode Container { get; }
    public bool IsArray { get; }
    public int Index { get; }
    public int Depth { get; }

    public Frame WithIndex(int index) => index == Index ? this : new Frame(Parent, Container, IsArray, index);

    public bool Equals(Frame? other) =>
        ReferenceEquals(this, other)
        || (other is not null && _hash == other._hash && Index == other.Index && IsArray == other.IsArray
            && ReferenceEquals(Container, other.Container) && Equals(Parent, other.Parent));

    public override bool Equals(object? obj) => Equals(obj as Frame);

    public override int GetHashCode() => _hash;
}
