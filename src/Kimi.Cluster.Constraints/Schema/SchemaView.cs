namespace Kimi.Cluster.Constraints;

/// <summary>
/// The keywords that count of one schema object, or of several combined by $ref and allOf, each
/// with the path it came from. <see cref="Key"/> names the combination, so that the same
/// combination compiles once (and recursion through it ends).
/// </summary>
internal sealed class SchemaView(string key, string path, IReadOnlyDictionary<string, SchemaEntry> keywords, bool isFalse = false)
{
    public string Key { get; } = key;

    /// <summary>Where the view comes from (the first schema combined), for messages.</summary>
    public string Path { get; } = path;

    public IReadOnlyDictionary<string, SchemaEntry> Keywords { get; } = keywords;

    /// <summary>The schema <c>false</c>, or a combination with it: no value.</summary>
    public bool IsFalse { get; } = isFalse;

    public bool IsEmpty => !IsFalse && Keywords.Count == 0;

    public static SchemaView False(string path) => new(path + "\u0001false", path, new Dictionary<string, SchemaEntry>(), isFalse: true);

    public bool Has(string keyword) => Keywords.ContainsKey(keyword);

    public bool HasAny(params string[] keywords) => keywords.Any(Keywords.ContainsKey);

    public SchemaEntry this[string keyword] => Keywords[keyword];

    public SchemaView Without(params string[] keywords) =>
        keywords.Any(Has)
            ? new(Key + "\u0001-" + string.Join(",", keywords), Path, Keywords.Where(k => !keywords.Contains(k.Key)).ToDictionary())
            : this;
}
