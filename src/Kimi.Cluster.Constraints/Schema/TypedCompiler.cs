using System.Numerics;
using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>Compiles a schema without combinators or enum: its types and each type's constraints.</summary>
internal static class TypedCompiler
{
    public static SchemaNode Compile(SchemaCompiler compiler, SchemaView view)
    {
        var node = compiler.Register(view.Key, new SchemaNode(view.Path, SchemaKind.Typed));
        if (view.Has("type"))
            node.Types = SchemaTypeNames.Flags(view["type"]);
        node.MinLength = Count(view, "minLength") ?? 0;
        node.MaxLength = Count(view, "maxLength") ?? -1;
        if ((node.Types & JsonTypes.String) != 0)
            node.Pattern = ReadPattern(view, node);
        node.Range = ReadRange(view);
        ObjectCompiler.Fill(compiler, view, node);
        FillArray(compiler, view, node);
        return node;
    }

    /// <summary>A non-negative integer keyword (clamped to int), or null when absent.</summary>
    public static int? Count(SchemaView view, string keyword)
    {
        if (!view.Has(keyword))
            return null;
        var entry = view[keyword];
        if (entry.Value.ValueKind != JsonValueKind.Number || !DecimalValue.TryParse(entry.Value.GetRawText(), out var value)
            || !value.IsIntegral || value.Unscaled.Sign < 0)
            throw new UnsupportedSchemaException(keyword, entry.Path, $"'{keyword}' must be a non-negative integer");
        var whole = value.Unscaled / BigInteger.Pow(10, value.Scale);
        return whole > int.MaxValue ? int.MaxValue : (int)whole;
    }

    private static StringPattern? ReadPattern(SchemaView view, SchemaNode node)
    {
        if (!view.Has("pattern"))
            return null;
        var entry = view["pattern"];
        if (entry.Value.ValueKind != JsonValueKind.String)
            throw new UnsupportedSchemaException("pattern", entry.Path, "'pattern' must be a string");
        try
        {
            return StringPattern.Compile(entry.Value.GetString()!, node.MinLength, node.MaxLength); // a String element's value is never null
        }
        catch (PatternNotSupportedException e)
        {
            throw new UnsupportedSchemaException("pattern", entry.Path, e.Message);
        }
    }

    private static NumberRange? ReadRange(SchemaView view)
    {
        var (lower, lowerExclusive) = Tighter(Bound(view, "minimum"), Bound(view, "exclusiveMinimum"), upper: false);
        var (upper, upperExclusive) = Tighter(Bound(view, "maximum"), Bound(view, "exclusiveMaximum"), upper: true);
        return lower is null && upper is null ? null : new NumberRange(lower, lowerExclusive, upper, upperExclusive);
    }

    /// <summary>Of an inclusive and an exclusive bound, the one that allows less.</summary>
    private static (DecimalValue?, bool) Tighter(DecimalValue? inclusive, DecimalValue? exclusive, bool upper)
    {
        if (inclusive is not { } i)
            return (exclusive, exclusive is not null);
        if (exclusive is not { } e)
            return (i, false);
        int order = e.CompareTo(i);
        bool exclusiveWins = order == 0 || (upper ? order < 0 : order > 0);
        return exclusiveWins ? (e, true) : (i, false);
    }

    private static DecimalValue? Bound(SchemaView view, string keyword)
    {
        if (!view.Has(keyword))
            return null;
        var entry = view[keyword];
        return entry.Value.ValueKind == JsonValueKind.Number && DecimalValue.TryParse(entry.Value.GetRawText(), out var value)
            ? value
            : throw new UnsupportedSchemaException(keyword, entry.Path, $"'{keyword}' must be a number (of moderate exponent)");
    }

    private static void FillArray(SchemaCompiler compiler, SchemaView view, SchemaNode node)
    {
        if (view.Has("prefixItems"))
        {
            var entry = view["prefixItems"];
            foreach (var (item, index) in SchemaCompiler.NonEmptyArray(entry, "prefixItems").Select((s, i) => (s, i)))
                node.PrefixItems.Add(compiler.CompileAt(item, $"{entry.Path}/prefixItems/{index}"));
        }
        node.Items = compiler.Any;
        if (view.Has("items"))
        {
            var entry = view["items"];
            if (entry.Value.ValueKind == JsonValueKind.Array)
                throw new UnsupportedSchemaException("items", entry.Path, "an array of item schemas is draft 2019-09 and older; use prefixItems");
            node.Items = compiler.CompileAt(entry.Value, $"{entry.Path}/items");
        }
        node.MinItems = Count(view, "minItems") ?? 0;
        node.MaxItems = Count(view, "maxItems") ?? int.MaxValue;
    }
}
