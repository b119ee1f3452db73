using System.Runtime.InteropServices;
using System.Text;

namespace Kimi.Cluster.Model.Engine;

/// <summary>
/// What one request has generated and the rules that end it: its seeded generator, tokens,
/// rendered text for stop strings, how often each token was generated (for the penalties), and
/// why it stopped. Shared by the static and continuous engines.
/// </summary>
internal sealed class SequenceOutput(GenerationRequest request)
{
    private readonly List<GeneratedToken> _tokens = [];
    private readonly StringBuilder _text = new();
    private readonly Dictionary<int, int> _counts = [];

    public GenerationRequest Request { get; } = request;
    // Draws are numbered by token position, starting after the prompt (see SeededRandom).
    public SeededRandom Random { get; } = new(request.Sampling.Seed ?? (ulong)System.Random.Shared.NextInt64(), request.PromptTokenIds.Count);
    public IReadOnlyList<GeneratedToken> Tokens => _tokens;

    /// <summary>How many times each token id occurs among the generated tokens (never the prompt).</summary>
    public IReadOnlyDictionary<int, int> TokenCounts => _counts;
    public FinishReason? Finish { get; private set; }
    public string? MatchedStop { get; private set; }
    public bool IsFinished => Finish is not null;

    public void Cancel() => Finish ??= FinishReason.Cancelled;

    /// <summary>Appends a sampled token and decides whether the sequence is done.</summary>
    /// <param name="contextFull">Whether the sequence has no position left for another token.</param>
    public void Accept(GeneratedToken token, IReadOnlyCollection<int> eosTokenIds, bool contextFull, Func<int, string> render)
    {
        var sampling = Request.Sampling;
        _tokens.Add(token);
        CollectionsMarshal.GetValueRefOrAddDefault(_counts, token.TokenId, out _)++;
        var piece = render(token.TokenId);
        _text.Append(piece);
        if (sampling.StopTokenIds.Contains(token.TokenId) || (!sampling.IgnoreEos && eosTokenIds.Contains(token.TokenId)))
            Finish = FinishReason.Stop;
        else if (FindStopString(piece.Length) is { } stop)
            (Finish, MatchedStop) = (FinishReason.Stop, stop);
        else if (_tokens.Count >= sampling.MaxTokens || contextFull)
            Finish = FinishReason.Length;
    }

    /// <summary>Looks for a stop string ending in the newest piece of text (earlier text was checked before).</summary>
    private string? FindStopString(int newChars)
    {
        foreach (var stop in Request.Sampling.StopStrings)
        {
            int from = Math.Max(0, _text.Length - newChars - stop.Length + 1);
            if (stop.Length > 0 && _text.ToString(from, _text.Length - from).Contains(stop, StringComparison.Ordinal))
                return stop;
        }
        return null;
    }

    public GenerationResult ToResult() =>
        new(_tokens.ToArray(), Finish ?? FinishReason.Length, Request.PromptTokenIds.Count) { MatchedStopString = MatchedStop };
}
