using Kimi.Cluster.Constraints;
using Kimi.Cluster.Model.Engine;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.Engine;

/// <summary>
/// The sampler under a constraint's mask: greedy and seeded draws land only on allowed tokens
/// whatever the logits say, unconstrained rows of the same batch are untouched, and the reported
/// log-probabilities stay those of the raw logits.
/// </summary>
public sealed class ConstrainedSamplingTests
{
    private const int Vocab = 300; // 256 byte tokens, a few specials, and ids past the constraint's vocabulary
    private const int EndToken = 260;

    private static readonly TokenVocabulary Bytes = new([.. Enumerable.Range(0, 256).Select(b => new[] { (byte)b }), null, null, null, null, null]);

    [Theory]
    [InlineData(0f)]
    [InlineData(1.5f)]
    public void Sample_PicksOnlyAllowedTokens_AndReportsRawLogprobs(float temperature)
    {
        manual_seed(3);
        using var logits = randn(3, Vocab) * 4;
        float[][] raw = [.. Enumerable.Range(0, 3).Select(r => logits[r].data<float>().ToArray())];
        var json = ConstraintCursor.Start(Compile(new JsonValue(JsonGrammar.AnyObject)), [EndToken]);
        var literal = ConstraintCursor.Start(Compile(new LiteralText("xy")), [EndToken]);
        var sampling = new SamplingParams { Temperature = temperature, Seed = 9, Logprobs = 2 };

        var picked = TokenSampler.Sample(logits, [sampling, sampling, sampling], [new SeededRandom(9), new SeededRandom(9), new SeededRandom(9)],
            [Empty(), Empty(), Empty()], [json.Allowed(), null, literal.Allowed()]);

        // A JSON object may start with whitespace or '{'; the literal only with 'x'.
        Assert.Contains(picked[0].TokenId, new[] { (int)' ', '\t', '\n', '{' });
        Assert.True(json.Allowed().Contains(picked[0].TokenId));
        Assert.Equal('x', picked[2].TokenId);
        if (temperature == 0f)
            Assert.Equal(Array.IndexOf(raw[1], raw[1].Max()), picked[1].TokenId);
        for (int row = 0; row < 3; row++)
        {
            double logSum = Math.Log(raw[row].Sum(v => Math.Exp(v)));
            Assert.Equal(raw[row][picked[row].TokenId] - logSum, picked[row].Logprob, 1e-4);
            // The alternatives are the raw distribution's best, not the mask's.
            Assert.Equal(Array.IndexOf(raw[row], raw[row].Max()), picked[row].TopLogprobs[0].TokenId);
        }
    }

    [Fact]
    public void Sample_EndsOnlyWhenTheConstraintIsDone()
    {
        using var logits = zeros(1, Vocab);
        logits[0, EndToken] = tensor(50f);
        var cursor = ConstraintCursor.Start(Compile(new LiteralText("ok")), [EndToken]);
        var greedy = new SamplingParams { Temperature = 0 };
        var spelled = new List<int>();

        for (int step = 0; step < 3; step++)
        {
            int token = TokenSampler.Sample(logits, [greedy], [new SeededRandom(1)], [Empty()], [cursor.Allowed()])[0].TokenId;
            cursor.Accept(token);
            spelled.Add(token);
        }

        Assert.Equal(['o', 'k', EndToken], spelled);
    }

    [Fact]
    public void Blocked_FlagsEveryClearBit_AndEveryIdPastTheBitset()
    {
        var random = new Random(5);
        ulong[] bits = [.. Enumerable.Range(0, 3).Select(_ => (ulong)random.NextInt64() ^ ((ulong)random.NextInt64() << 32)), 0UL, ulong.MaxValue];
        var blocked = new bool[64 * 3 + 13];

        AllowedTokenMask.Blocked(bits.AsSpan(0, 3), blocked);

        for (int id = 0; id < blocked.Length; id++)
            Assert.Equal(!(id < 192 && ((bits[id / 64] >> (id % 64)) & 1) == 1), blocked[id]);
        AllowedTokenMask.Blocked(bits, blocked);
        for (int id = 0; id < blocked.Length; id++)
            Assert.Equal(!(id >= 256 || ((bits[id / 64] >> (id % 64)) & 1) == 1), blocked[id]);
    }

    private static CompiledConstraint Compile(ConstraintStep step) => CompiledConstraint.Compile(new OutputConstraint([step]), Bytes);

    private static IReadOnlyDictionary<int, int> Empty() => new Dictionary<int, int>();
}
