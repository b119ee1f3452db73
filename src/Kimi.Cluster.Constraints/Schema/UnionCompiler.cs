namespace Kimi.Cluster.Constraints;

/// <summary>
/// Compiles anyOf (and oneOf, checked later to be exclusive): each alternative combined with the
/// keywords beside the union, since both must hold.
/// </summary>
internal static class UnionCompiler
{
    public static SchemaNode Compile(SchemaCompiler compiler, SchemaView view)
    {
        if (view.Has("anyOf") && view.Has("oneOf"))
            throw new UnsupportedSchemaException("oneOf", view["oneOf"].Path, "oneOf beside anyOf");
        string keyword = view.Has("anyOf") ? "anyOf" : "oneOf";
        var node = compiler.Register(view.Key, new SchemaNode(view.Path, SchemaKind.Union) { IsOneOf = keyword == "oneOf" });
        var entry = view[keyword];
        var rest = view.Without("anyOf", "oneOf");
        foreach (var (alternative, index) in SchemaCompiler.NonEmptyArray(entry, keyword).Select((a, i) => (a, i)))
        {
            var alternativeView = compiler.ViewOf(alternative, $"{entry.Path}/{keyword}/{index}");
            node.Alternatives.Add(rest.IsEmpty
                ? compiler.CompileView(alternativeView)
                : compiler.CompileView(SchemaMerger.Merge(rest, compiler.Flatten(alternativeView), keyword)));
        }
        return node;
    }
}
