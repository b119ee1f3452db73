using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Kimi.Cluster.Constraints;

namespace Kimi.Cluster.Constraints.Benchmarks;

/// <summary>
/// What one mask costs on the real 163,840-id vocabulary: a state seen for the first time (the
/// byte-trie walk), and the same state again (the cache). The first walk is paid once per schema
/// and state, by whichever request meets it first.
/// </summary>
[MemoryDiagnoser]
public class MaskBenchmarks
{
    private const string Schema = """{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}""";

    private TokenVocabulary _vocabulary = null!;
    private int[] _ends = [];
    private JsonGrammar _grammar = null!;
    private ConstraintCursor _cursor = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (tokenizer, vocabulary) = RealVocabulary.Load();
        _vocabulary = vocabulary;
        _ends = [tokenizer.SpecialTokens["[EOS]"], tokenizer.SpecialTokens["<|im_end|>"]];
        using var schema = JsonDocument.Parse(Schema);
        _grammar = JsonGrammar.Compile(schema.RootElement);
        _cursor = InsideAString();
        _ = _cursor.Allowed();
    }

    [IterationSetup(Target = nameof(FreshMaskInsideAString))]
    public void NewConstraint() => _cursor = InsideAString();

    /// <summary>Inside a string value almost every token is allowed: the walk visits most of the trie.</summary>
    [Benchmark]
    public int FreshMaskInsideAString() => _cursor.Allowed().Count;

    [Benchmark]
    public int CachedMask() => _cursor.Allowed().Count;

    private ConstraintCursor InsideAString()
    {
        var compiled = CompiledConstraint.Compile(new OutputConstraint([new JsonValue(_grammar)]), _vocabulary);
        var cursor = ConstraintCursor.Start(compiled, _ends);
        foreach (byte b in Encoding.UTF8.GetBytes("{\"city\": \"Par"))
            cursor.Accept(SingleByte(b));
        return cursor;
    }

    private int SingleByte(byte b) =>
        Enumerable.Range(0, _vocabulary.Count).First(id => _vocabulary.TokenBytes(id) is [var only] && only == b);
}
