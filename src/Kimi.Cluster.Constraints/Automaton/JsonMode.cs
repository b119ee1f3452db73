namespace Kimi.Cluster.Constraints;

/// <summary>Where in the JSON syntax a configuration is.</summary>
internal enum JsonMode : byte
{
    /// <summary>The JSON step has not begun (its root value is entered on closure).</summary>
    Start,
    ValueStart,
    String,

    /// <summary>A key of an object with free keys.</summary>
    Key,
    Number,

    /// <summary>Spelling a known value: an enum value, or true/false/null.</summary>
    Literal,
    ObjectOpen,
    ObjectNext,

    /// <summary>A key of an object with declared properties (walking their key trie).</summary>
    DeclaredKey,
    Colon,
    ObjectAfterValue,
    ArrayOpen,
    ArrayAfterValue,
}
