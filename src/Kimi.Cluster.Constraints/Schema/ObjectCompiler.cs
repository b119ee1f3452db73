using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// Compiles the object keywords: declared properties (in their written order, required names that
/// are not declared appended with the additionalProperties schema), or free keys when no property
/// is named.
/// </summary>
internal static class ObjectCompiler
{
    public static void Fill(SchemaCompiler compiler, SchemaView view, SchemaNode node)
    {
        var required = Required(view);
        var additional = view.Has("additionalProperties")
            ? compiler.CompileAt(view["additionalProperties"].Value, view["additionalProperties"].Path + "/additionalProperties")
            : compiler.Any;
        var declared = new List<PropertyRule>();
        if (view.Has("properties"))
        {
            var entry = view["properties"];
            if (entry.Value.ValueKind != JsonValueKind.Object)
                throw new UnsupportedSchemaException("properties", entry.Path, "'properties' must be an object");
            foreach (var property in entry.Value.EnumerateObject())
            {
                var schema = compiler.CompileAt(property.Value, $"{entry.Path}/properties/{Escape(property.Name)}");
                declared.Add(new PropertyRule(property.Name, schema, required.Contains(property.Name)));
            }
        }
        foreach (string name in required.Where(name => declared.All(p => p.Name != name)))
        {
            if (additional.Kind == SchemaKind.Nothing)
                node.ObjectImpossible = true;
            declared.Add(new PropertyRule(name, additional, Required: true));
        }
        node.Properties = declared;
        node.Additional = additional;
        node.FreeKeys = declared.Count == 0 && additional.Kind != SchemaKind.Nothing;
    }

    private static HashSet<string> Required(SchemaView view)
    {
        if (!view.Has("required"))
            return [];
        var entry = view["required"];
        if (entry.Value.ValueKind != JsonValueKind.Array || entry.Value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw new UnsupportedSchemaException("required", entry.Path, "'required' must be an array of names");
        return [.. entry.Value.EnumerateArray().Select(e => e.GetString()!)]; // checked to be strings above
    }

    /// <summary>A property name as a JSON pointer segment.</summary>
    public static string Escape(string name) => name.Replace("~", "~0").Replace("/", "~1");
}
