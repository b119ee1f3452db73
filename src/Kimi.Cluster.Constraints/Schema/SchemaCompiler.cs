using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// Turns a JSON Schema document into <see cref="SchemaNode"/>s: resolves $ref within the
/// document, combines $ref siblings and allOf, and compiles each distinct schema (or combination)
/// once, so recursive references become cycles between nodes.
/// </summary>
internal sealed class SchemaCompiler(JsonElement root, JsonGrammarOptions options)
{
    private const int MaxCombineDepth = 32;
    private readonly Dictionary<string, SchemaNode> _memo = [];
    private SchemaNode? _any;
    private SchemaNode? _nothing;

    public JsonGrammarOptions Options { get; } = options;
    public List<SchemaNode> Nodes { get; } = [];

    /// <summary>The node of <c>{}</c> and <c>true</c>: any value, objects with free keys of any value.</summary>
    public SchemaNode Any => _any ??= CreateAny();

    /// <summary>The node of <c>false</c>.</summary>
    public SchemaNode Nothing => _nothing ??= Register("false", new SchemaNode("#", SchemaKind.Nothing) { Types = JsonTypes.None });

    public SchemaNode CompileAt(JsonElement schema, string path) => CompileView(ViewOf(schema, path));

    public SchemaView ViewOf(JsonElement schema, string path) => schema.ValueKind switch
    {
        JsonValueKind.True => new SchemaView(path, path, new Dictionary<string, SchemaEntry>()),
        JsonValueKind.False => SchemaView.False(path),
        JsonValueKind.Object => SchemaKeywords.Read(schema, path, path == "#", Options),
        _ => throw new UnsupportedSchemaException("schema", path, "a schema must be an object or a boolean"),
    };

    public SchemaNode CompileView(SchemaView view)
    {
        var resolved = FollowPlainRefs(view, out var passed);
        var node = Compile(resolved);
        foreach (string key in passed)
            _memo[key] = node;
        return node;
    }

    public SchemaNode Register(string key, SchemaNode node)
    {
        _memo[key] = node;
        Nodes.Add(node);
        return node;
    }

    /// <summary>Resolves $ref and allOf into one view without either (refusing what does not combine exactly).</summary>
    public SchemaView Flatten(SchemaView view, int depth = 0)
    {
        if (depth > MaxCombineDepth)
            throw new UnsupportedSchemaException("$ref", view.Path, "references combine too deeply (a cycle?)");
        if (view.Has("$ref"))
            view = SchemaMerger.Merge(Flatten(ResolveRef(view["$ref"]), depth + 1), view.Without("$ref"), "$ref");
        if (!view.Has("allOf"))
            return view;
        var entry = view["allOf"];
        var merged = view.Without("allOf");
        foreach (var (part, index) in NonEmptyArray(entry, "allOf").Select((p, i) => (p, i)))
            merged = SchemaMerger.Merge(merged, Flatten(ViewOf(part, $"{entry.Path}/allOf/{index}"), depth + 1), "allOf");
        return merged;
    }

    public static IEnumerable<JsonElement> NonEmptyArray(SchemaEntry entry, string keyword) =>
        entry.Value.ValueKind == JsonValueKind.Array && entry.Value.GetArrayLength() > 0
            ? entry.Value.EnumerateArray()
            : throw new UnsupportedSchemaException(keyword, entry.Path, $"'{keyword}' must be a non-empty array");

    private SchemaNode Compile(SchemaView view)
    {
        if (view.IsFalse)
            return Nothing;
        if (view.IsEmpty)
            return Any;
        if (_memo.TryGetValue(view.Key, out var known))
            return known;
        var flat = Flatten(view);
        if (flat.Key != view.Key)
            return _memo[view.Key] = Compile(flat);
        if (flat.HasAny("anyOf", "oneOf"))
            return UnionCompiler.Compile(this, flat);
        if (flat.HasAny("enum", "const"))
            return EnumCompiler.Compile(this, flat);
        return TypedCompiler.Compile(this, flat);
    }

    /// <summary>Follows schemas that are nothing but a $ref to the schema they name; the keys passed are returned.</summary>
    private SchemaView FollowPlainRefs(SchemaView view, out List<string> passed)
    {
        passed = [];
        while (view.Keywords.Count == 1 && view.Has("$ref") && !_memo.ContainsKey(view.Key))
        {
            if (passed.Contains(view.Key))
                throw new UnsupportedSchemaException("$ref", view.Path, "the references form a cycle without a schema");
            passed.Add(view.Key);
            view = ResolveRef(view["$ref"]);
        }
        return view;
    }

    private SchemaView ResolveRef(SchemaEntry entry)
    {
        var (target, path) = JsonPointerResolver.Resolve(root, entry);
        return ViewOf(target, path);
    }

    private SchemaNode CreateAny()
    {
        var any = Register("{}", new SchemaNode("#", SchemaKind.Typed) { FreeKeys = true });
        any.Additional = any;
        any.Items = any;
        return any;
    }
}
