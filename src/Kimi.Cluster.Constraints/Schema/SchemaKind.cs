namespace Kimi.Cluster.Constraints;

/// <summary>How a compiled schema node decides what a value may be.</summary>
internal enum SchemaKind : byte
{
    /// <summary>By type, with each type's own constraints.</summary>
    Typed,

    /// <summary>Exactly one of a list of values (enum, const).</summary>
    Enum,

    /// <summary>Any of several nodes (anyOf, and oneOf whose alternatives cannot overlap).</summary>
    Union,

    /// <summary>No value (the schema <c>false</c>, or one that cannot be satisfied).</summary>
    Nothing,
}
