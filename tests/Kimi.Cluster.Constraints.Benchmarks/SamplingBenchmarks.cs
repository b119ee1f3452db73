using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Kimi.Cluster.Constraints;
using Kimi.Cluster.Model.Engine;
using static TorchSharp.torch;

namespace Kimi.Cluster.Constraints.Benchmarks;

/// <summary>
/// The sampler's share of a decode step at batch 64 over the real vocabulary, with and without
/// a constraint: every row greedy, the constrained rows in assorted states of a tool's JSON
/// arguments (their masks already cached, as in a steady stream). The difference divided by 64
/// is the mask's cost per token.
/// </summary>
[MemoryDiagnoser]
[InProcess] // libtorch's native package travels with this project's build, not with a generated one
public class SamplingBenchmarks
{
    private const int Batch = 64;
    private const string Schema = """
        {"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1,"maximum":14},
         "units":{"enum":["metric","imperial"]},"tags":{"type":"array","items":{"type":"string"}}},"required":["city","days"]}
        """;

    private Tensor _logits = null!;
    private SamplingParams[] _sampling = [];
    private SeededRandom[] _random = [];
    private IReadOnlyDictionary<int, int>[] _counts = [];
    private AllowedTokens?[] _allowed = [];

    [GlobalSetup]
    public void Setup()
    {
        var (tokenizer, vocabulary) = RealVocabulary.Load();
        int[] ends = [tokenizer.SpecialTokens["[EOS]"], tokenizer.SpecialTokens["<|im_end|>"]];
        using var schema = JsonDocument.Parse(Schema);
        var compiled = CompiledConstraint.Compile(new OutputConstraint([new JsonValue(JsonGrammar.Compile(schema.RootElement))]), vocabulary);
        var random = new Random(1);
        _allowed = [.. Enumerable.Range(0, Batch).Select(row => Walk(ConstraintCursor.Start(compiled, ends), random, row % 24).Allowed())];
        manual_seed(1);
        _logits = randn(Batch, vocabulary.Count);
        _sampling = [.. Enumerable.Repeat(new SamplingParams { Temperature = 0 }, Batch)];
        _random = [.. Enumerable.Range(0, Batch).Select(row => new SeededRandom((ulong)row))];
        _counts = [.. Enumerable.Range(0, Batch).Select(_ => new Dictionary<int, int>())];
    }

    [GlobalCleanup]
    public void Cleanup() => _logits.Dispose();

    [Benchmark(Baseline = true)]
    public int Unconstrained() => TokenSampler.Sample(_logits, _sampling, _random, _counts).Length;

    [Benchmark]
    public int Constrained() => TokenSampler.Sample(_logits, _sampling, _random, _counts, _allowed).Length;

    /// <summary>A random allowed walk of <paramref name="tokens"/> steps (fewer if the output completes).</summary>
    private static ConstraintCursor Walk(ConstraintCursor cursor, Random random, int tokens)
    {
        for (int i = 0; i < tokens && !cursor.IsComplete; i++)
        {
            int[] ids = [.. cursor.Allowed().Ids()];
            cursor.Accept(ids[random.Next(ids.Length)]);
        }
        return cursor;
    }
}
