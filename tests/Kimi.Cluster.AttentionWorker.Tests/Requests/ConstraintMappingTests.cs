using Kimi.Cluster.AttentionWorker.Generation;
using Kimi.Cluster.AttentionWorker.Requests;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Text.Tokenization;
using TokenVocabulary = Kimi.Cluster.Constraints.TokenVocabulary;

namespace Kimi.Cluster.AttentionWorker.Tests.Requests;

/// <summary>
/// A request's output constraint on its way into the engine, over the built-in tiny tokenizer's
/// byte strings: compiled once and shared, and refused naming the field when it cannot be
/// enforced (a schema keyword, an output that could never end, earlier tokens off its path).
/// </summary>
public sealed class ConstraintMappingTests
{
    private const int Vocab = 512;
    private static readonly KimiTokenizer Tokenizer = TinyTokenizer.Create(Vocab);

    private static readonly ModelDescriptor Model = new("m", Vocab, MaxPositionEmbeddings: 256, [Tokenizer.SpecialTokens[KimiSpecialTokens.Eos]], DateTimeOffset.UnixEpoch)
    {
        Constraints = ConstraintCompiler.ForModel(modelDirectory: null, Vocab),
    };

    [Fact]
    public void ToDomain_CompilesTheConstraintOnce_ForEveryRequestThatSendsIt()
    {
        var first = GenerateRequestMapper.ToDomain(Request(Json("""{"type":"object","properties":{"a":{"type":"integer"}}}""")), Model);
        var second = GenerateRequestMapper.ToDomain(Request(Json("""{"type":"object","properties":{"a":{"type":"integer"}}}""")), Model);

        Assert.NotNull(first.Constraint);
        Assert.Same(first.Constraint, second.Constraint);
    }

    [Fact]
    public async Task ToDomainAsync_CompilesANewConstraintOffTheThreadPool_AndTakesAKnownOneFromTheCache()
    {
        bool? readOnThreadPool = null;
        var model = Model with
        {
            Constraints = ConstraintCompiler.WithVocabulary(() =>
            {
                readOnThreadPool = Thread.CurrentThread.IsThreadPoolThread;
                return new TokenVocabulary(Tokenizer.TextByteStrings());
            }),
        };
        var request = Request(Json("""{"type":"object","properties":{"b":{"type":"boolean"}}}"""));

        Assert.False(model.Constraints.IsCompiled(request.Constraint));
        var first = await Task.Run(() => GenerateRequestMapper.ToDomainAsync(request, model));
        var second = await Task.Run(() => GenerateRequestMapper.ToDomainAsync(request, model));

        Assert.False(readOnThreadPool);
        Assert.True(model.Constraints.IsCompiled(request.Constraint));
        Assert.NotNull(first.Constraint);
        Assert.Same(first.Constraint, second.Constraint);
    }

    [Fact]
    public async Task ToDomainAsync_RefusesLikeToDomain_WhenTheSchemaCannotBeEnforced()
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(
            () => GenerateRequestMapper.ToDomainAsync(Request(Json("""{"type":"object",""")), Model));

        Assert.Equal("constraint", error.Field);
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"(?=a)"}""", "pattern")]
    [InlineData("""{"type":"object",""", "not valid JSON")]
    public void ToDomain_RefusesNamingTheConstraint_WhenTheSchemaCannotBeEnforced(string schema, string said)
    {
        var error = Assert.Throws<InvalidRequestException>(() => GenerateRequestMapper.ToDomain(Request(Json(schema)), Model));

        Assert.Equal("constraint", error.Field);
        Assert.Contains(said, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToDomain_RefusesAConstraint_ThatCouldNeverEnd()
    {
        var request = Request(Json(""));
        request.IgnoreEos = true;

        Assert.Equal("constraint", Assert.Throws<InvalidRequestException>(() => GenerateRequestMapper.ToDomain(request, Model)).Field);
    }

    [Fact]
    public void ToDomain_RefusesASpecialTokenStep_ThatNamesAnOrdinaryToken()
    {
        var constraint = new OutputConstraint();
        constraint.Steps.Add(new ConstraintStep { SpecialToken = Tokenizer.Encode("{", allowSpecialTokens: false)[0] });

        Assert.Equal("constraint", Assert.Throws<InvalidRequestException>(() => GenerateRequestMapper.ToDomain(Request(constraint), Model)).Field);
    }

    [Fact]
    public void ToDomain_ResumesOnlyAGenerationWhoseEarlierTokensFollowTheConstraint()
    {
        int brace = Tokenizer.Encode("{", allowSpecialTokens: false)[0];
        int letter = Tokenizer.Encode("x", allowSpecialTokens: false)[0];
        var resumed = Request(Json(""));
        resumed.PromptTokenIds.Add(brace);
        resumed.GeneratedTokens = 1;
        var strayed = Request(Json(""));
        strayed.PromptTokenIds.Add(letter);
        strayed.GeneratedTokens = 1;

        Assert.NotNull(GenerateRequestMapper.ToDomain(resumed, Model).Constraint);
        Assert.Equal("generated_tokens", Assert.Throws<InvalidRequestException>(() => GenerateRequestMapper.ToDomain(strayed, Model)).Field);
    }

    [Fact]
    public void ToDomain_RefusesEveryConstraint_WhenTheModelHasNoTokenizerFiles()
    {
        var model = Model with { Constraints = ConstraintCompiler.Unavailable };

        var error = Assert.Throws<InvalidRequestException>(() => GenerateRequestMapper.ToDomain(Request(Json("")), model));

        Assert.Equal("constraint", error.Field);
        Assert.Contains("tokenizer", error.Message, StringComparison.Ordinal);
    }

    private static OutputConstraint Json(string schema)
    {
        var constraint = new OutputConstraint();
        constraint.Steps.Add(new ConstraintStep { Json = new JsonValueStep { Schema = schema } });
        return constraint;
    }

    private static GenerateRequest Request(OutputConstraint constraint)
    {
        var request = new GenerateRequest { RequestId = "r", MaxTokens = 8, Constraint = constraint };
        request.PromptTokenIds.AddRange([1, 2, 3]);
        return request;
    }
}
