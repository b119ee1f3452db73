using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// One compiled schema: what a JSON value at some place may be. Filled by the compiler (nodes refer
/// to each other, recursively through $ref), then analysed once (<see cref="SchemaAnalysis"/>) and
/// read-only from then on, shared by every sequence.
/// </summary>
internal sealed class SchemaNode(string path, SchemaKind kind)
{
    public string Path { get; } = path;
    public SchemaKind Kind { get; } = kind;
    public JsonTypes Types { get; set; } = JsonTypes.All;

    // Strings (lengths in the validator's sense; see StringCounter).
    public int MinLength { get; set; }
    public int MaxLength { get; set; } = -1;
    public StringPattern? Pattern { get; set; }

    // Numbers and integers: null when unbounded.
    public NumberRange? Range { get; set; }

    // Objects: declared properties in the order they must come, or free keys with Additional values.
    public List<PropertyRule> Properties { get; set; } = [];
    public SchemaNode? Additional { get; set; }
    public bool FreeKeys { get; set; }
    public bool ObjectImpossible { get; set; }
    public ObjectKeys? Keys { get; set; }

    // Arrays.
    public List<SchemaNode> PrefixItems { get; } = [];
    public SchemaNode? Items { get; set; }
    public int MinItems { get; set; }
    public int MaxItems { get; set; } = int.MaxValue;
    public int EffectiveMaxItems { get; set; }
    public int ItemCountCap { get; set; }

    // Enum and const.
    public List<JsonElement> EnumValues { get; set; } = [];
    public SchemaNode? EnumBase { get; set; }
    public ByteTrie? EnumTrie { get; set; }

    // Unions.
    public List<SchemaNode> Alternatives { get; set; } = [];
    public bool IsOneOf { get; set; }

    /// <summary>The types a value of this node can really take (after analysis); None: no value at all.</summary>
    public JsonTypes SatisfiableTypes { get; set; }

    public bool Satisfiable => SatisfiableTypes != JsonTypes.None;

    /// <summary>The schema of array item <paramref name="index"/>, or null when there may be none.</summary>
    public SchemaNode? ItemAt(int index) => index < PrefixItems.Count ? PrefixItems[index] : Items;

    public bool Allows(JsonTypes type) => (SatisfiableTypes & type) != 0;

    /// <summary>Numbers other than integers are allowed (else only integers).</summary>
    public bool AllowsFractions => (SatisfiableTypes & JsonTypes.Number) != 0;

    public override string ToString() => $"{Kind} {Path}";
}
