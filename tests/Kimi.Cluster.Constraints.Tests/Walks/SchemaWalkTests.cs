using System.Text;
using Kimi.Cluster.Constraints.Tests.Support;
using Xunit.Abstractions;

namespace Kimi.Cluster.Constraints.Tests.Walks;

/// <summary>
/// Property test: random walks through the cursor, choosing among the allowed tokens until an end
/// token, produce documents that JsonSchema.Net finds valid, for every peer tool schema that
/// compiles and for the hand-written ones, with the tiny vocabulary and with Moonshot's real one.
/// A walk that meets an empty mask (a dead end) or runs past its bound fails.
/// </summary>
public sealed class SchemaWalkTests(ITestOutputHelper output)
{
    private static readonly System.Text.Json.JsonSerializerOptions Unescaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Theory]
    [MemberData(nameof(HandSchemas.Names), MemberType = typeof(HandSchemas))]
    public void RandomWalks_ProduceValidDocuments_ForHandWrittenSchemas(string name)
    {
        string schema = HandSchemas.Schema(name);
        for (int seed = 0; seed < 12; seed++)
            WalkAndValidate(name, schema, TinyVocabulary.Instance, TinyVocabulary.EndTokens, seed, closeAfter: 30);
        for (int seed = 0; seed < 3; seed++)
            WalkAndValidate(name, schema, RealVocabulary.Instance, RealVocabulary.EndTokens, seed, closeAfter: 25);
    }

    [Fact]
    public void RandomWalks_ProduceValidDocuments_ForEveryPeerSchema_WithTheTinyVocabulary()
    {
        foreach (var (name, schema) in CompilingPeerSchemas())
        {
            for (int seed = 0; seed < 3; seed++)
                WalkAndValidate(name, schema, TinyVocabulary.Instance, TinyVocabulary.EndTokens, seed, closeAfter: 30);
        }
    }

    [Fact]
    public void RandomWalks_ProduceValidDocuments_ForEveryPeerSchema_WithTheRealVocabulary()
    {
        foreach (var (name, schema) in CompilingPeerSchemas())
            WalkAndValidate(name, schema, RealVocabulary.Instance, RealVocabulary.EndTokens, seed: name.GetHashCode(StringComparison.Ordinal), closeAfter: 12);
    }

    private static IEnumerable<(string Name, string Schema)> CompilingPeerSchemas() => PeerSchemas.All;

    private void WalkAndValidate(string name, string schema, Kimi.Cluster.Constraints.TokenVocabulary vocabulary, int[] ends, int seed, int closeAfter)
    {
        var cursor = Cursors.Start(schema, vocabulary, ends);
        var (bytes, tokens) = new RandomWalker(vocabulary, seed) { CloseAfter = closeAfter, Label = $"{name} (seed {seed})" }.Walk(cursor, ends);
        string? problem = SchemaValidator.Problem(schema, bytes);
        Assert.True(problem is null, $"{name} (seed {seed}, {tokens.Count} tokens): {Encoding.UTF8.GetString(bytes)} is invalid: {problem}");
        if (seed == 0 && vocabulary == RealVocabulary.Instance)
            output.WriteLine($"{name}: {System.Text.Json.JsonSerializer.Serialize(Encoding.UTF8.GetString(bytes), Unescaped)}");
    }
}
