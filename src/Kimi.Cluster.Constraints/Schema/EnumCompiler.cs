using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// Compiles enum and const: the listed values (const narrowing enum), and the node of the keywords
/// beside them, which the analysis uses to drop values they do not allow.
/// </summary>
internal static class EnumCompiler
{
    public static SchemaNode Compile(SchemaCompiler compiler, SchemaView view)
    {
        var node = compiler.Register(view.Key, new SchemaNode(view.Path, SchemaKind.Enum));
        List<JsonElement> values = view.Has("enum")
            ? [.. SchemaCompiler.NonEmptyArray(view["enum"], "enum").Select(v => v.Clone())]
            : [view["const"].Value.Clone()];
        if (view.Has("enum") && view.Has("const"))
            values = [.. values.Where(v => JsonElement.DeepEquals(v, view["const"].Value))];
        node.EnumValues = values;
        node.EnumBase = compiler.CompileView(view.Without("enum", "const"));
        return node;
    }
}
