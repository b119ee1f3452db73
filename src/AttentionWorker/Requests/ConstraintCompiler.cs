using System.Collections.Concurrent;
using System.Text.Json;
using Google.Protobuf;
using Kimi.Cluster.Constraints;
using Kimi.Cluster.Text.Tokenization;
using Proto = Kimi.Cluster.Contracts.V1;

namespace Kimi.Cluster.AttentionWorker.Requests;

/// <summary>
/// Turns a request's output constraint into the compiled form the sampler walks, over the served
/// model's token byte strings (read from its tokenizer files once, on the first constrained
/// request). Compiled constraints are kept by their bytes: the same tools and schemas come back
/// with every choice and every turn of a conversation, and their masks are cached inside.
/// </summary>
public sealed class ConstraintCompiler
{
    private const int CacheLimit = 256;

    private readonly Lazy<TokenVocabulary?> _vocabulary;
    private readonly ConcurrentDictionary<ByteString, CompiledConstraint> _compiled = new();

    private ConstraintCompiler(Func<TokenVocabulary?> loadVocabulary) =>
        _vocabulary = new Lazy<TokenVocabulary?>(loadVocabulary, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>For a model without tokenizer files: every constrained request is refused.</summary>
    public static ConstraintCompiler Unavailable { get; } = new(() => null);

    /// <summary>The vocabulary of the tokenizer files in <paramref name="modelDirectory"/>, or the built-in tiny tokenizer's when null.</summary>
    public static ConstraintCompiler ForModel(string? modelDirectory, int vocabSize) => new(() =>
    {
        if (modelDirectory is null)
            return Vocabulary(TinyTokenizer.Create(vocabSize));
        return KimiTokenizer.Exists(modelDirectory) ? Vocabulary(KimiTokenizer.Load(modelDirectory)) : null;
    });

    /// <summary>Over the vocabulary <paramref name="load"/> gives (read at the first compile).</summary>
    internal static ConstraintCompiler WithVocabulary(Func<TokenVocabulary?> load) => new(load);

    /// <summary>Whether <paramref name="constraint"/> is compiled already, so mapping a request that sends it is quick.</summary>
    public bool IsCompiled(Proto.OutputConstraint constraint)
    {
        ArgumentNullException.ThrowIfNull(constraint);
        return _compiled.ContainsKey(constraint.ToByteString());
    }

    /// <summary>Throws <see cref="InvalidRequestException"/> (field "constraint") for what cannot be enforced.</summary>
    public CompiledConstraint Compile(Proto.OutputConstraint constraint)
    {
        ArgumentNullException.ThrowIfNull(constraint);
        var key = constraint.ToByteString();
        if (_compiled.TryGetValue(key, out var known))
            return known;
        var vocabulary = _vocabulary.Value ?? throw new InvalidRequestException("constraint",
            "constraint: this model has no tokenizer files (tiktoken.model), so its output cannot be constrained.");
        CompiledConstraint compiled;
        try
        {
            compiled = CompiledConstraint.Compile(new OutputConstraint(Steps(constraint, "constraint")), vocabulary);
        }
        catch (ArgumentException error)
        {
            // A step naming a token id that is not one of the vocabulary's special tokens.
            throw new InvalidRequestException("constraint", $"constraint: {error.Message}");
        }
        if (_compiled.Count >= CacheLimit)
            _compiled.Clear();
        return _compiled.GetOrAdd(key, compiled);
    }

    private static TokenVocabulary Vocabulary(KimiTokenizer tokenizer) => new(tokenizer.TextByteStrings());

    private static List<ConstraintStep> Steps(Proto.OutputConstraint constraint, string at)
    {
        if (constraint.Steps.Count == 0)
            throw new InvalidRequestException("constraint", $"{at}: a constraint needs at least one step.");
        return [.. constraint.Steps.Select((step, i) => Step(step, $"{at}.steps[{i}]"))];
    }

    private static ConstraintStep Step(Proto.ConstraintStep step, string at) => step.StepCase switch
    {
        Proto.ConstraintStep.StepOneofCase.FreeTextUntil => new FreeTextUntil(step.FreeTextUntil),
        Proto.ConstraintStep.StepOneofCase.SpecialToken => new SpecialToken(step.SpecialToken),
        Proto.ConstraintStep.StepOneofCase.LiteralText => new LiteralText(step.LiteralText),
        Proto.ConstraintStep.StepOneofCase.Json => new JsonValue(Grammar(step.Json.Schema, at)),
        Proto.ConstraintStep.StepOneofCase.OneOf when step.OneOf.Alternatives.Count > 0 =>
            new OneOf([.. step.OneOf.Alternatives.Select((alternative, i) => (IReadOnlyList<ConstraintStep>)Steps(alternative, $"{at}.one_of[{i}]"))]),
        _ => throw new InvalidRequestException("constraint", $"{at}: an empty step."),
    };

    private static JsonGrammar Grammar(string schema, string at)
    {
        if (schema.Length == 0)
            return JsonGrammar.AnyObject;
        try
        {
            using var document = JsonDocument.Parse(schema);
            return JsonGrammar.Compile(document.RootElement);
        }
        catch (JsonException error)
        {
            throw new InvalidRequestException("constraint", $"{at}: the JSON schema is not valid JSON: {error.Message}");
        }
        catch (UnsupportedSchemaException error)
        {
            throw new InvalidRequestException("constraint", $"{at}: {error.Message}");
        }
    }
}
