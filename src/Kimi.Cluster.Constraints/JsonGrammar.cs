using System.Text.Json;

namespace Kimi.Cluster.Constraints;

/// <summary>
/// A JSON grammar compiled from a JSON Schema: owns the compiled schema nodes (immutable after
/// compilation, shared by every sequence and thread). Every document it admits validates against
/// the schema; it may admit fewer than the schema does (declared properties in declared order,
/// bounded white space, numbers within bounds without exponent).
/// </summary>
public sealed class JsonGrammar
{
    private static readonly Lazy<JsonGrammar> AnyObjectGrammar = new(() => FromText("""{"type":"object"}"""));
    private static readonly Lazy<JsonGrammar> AnyValueGrammar = new(() => FromText("true"));

    private JsonGrammar(SchemaNode root, JsonGrammarOptions options)
    {
        Root = root;
        Options = options;
    }

    /// <summary>Any JSON object (OpenAI's json_object response format).</summary>
    public static JsonGrammar AnyObject => AnyObjectGrammar.Value;

    /// <summary>Any JSON value.</summary>
    public static JsonGrammar AnyValue => AnyValueGrammar.Value;

    internal SchemaNode Root { get; }
    internal JsonGrammarOptions Options { get; }

    /// <summary>Compiles a schema; throws <see cref="UnsupportedSchemaException"/> naming a keyword it cannot make exact.</summary>
    public static JsonGrammar Compile(JsonElement schema) => Compile(schema, JsonGrammarOptions.Default);

    /// <inheritdoc cref="Compile(JsonElement)"/>
    public static JsonGrammar Compile(JsonElement schema, JsonGrammarOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxWhitespace);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxWhitespace, byte.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxFreeDepth);
        var document = schema.Clone(); // the caller may dispose its document
        var compiler = new SchemaCompiler(document, options);
        var root = compiler.CompileAt(document, "#");
        SchemaAnalysis.Run(compiler, root);
        return new JsonGrammar(root, options);
    }

    private static JsonGrammar FromText(string schema)
    {
        using var document = JsonDocument.Parse(schema);
        return Compile(document.RootElement);
    }
}
