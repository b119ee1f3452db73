namespace Kimi.Cluster.Constraints;

/// <summary>The JSON Schema types as flags; <see cref="Number"/> includes the integers.</summary>
[Flags]
internal enum JsonTypes : byte
{
    None = 0,
    Null = 1,
    Boolean = 2,
    Object = 4,
    Array = 8,
    String = 16,
    Integer = 32,
    Number = 64,
    Scalars = Null | Boolean | String | Integer | Number,
    All = Scalars | Object | Array,
}
