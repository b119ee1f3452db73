using System.Text;
using Kimi.Cluster.Model.Configuration;

namespace Kimi.Cluster.Model.Engine;

/// <summary>Everything one running sequence owns: its cache, generator, output so far and why it stopped.</summary>
internal sealed class SequenceState(GenerationRequest request, ModelConfig config) : IDisposable
{
    private readonly List<GeneratedToken> _output = [];
    private readonly StringBuilder _text = new();

    public GenerationRequest Request { get; } = request;
    public SequenceKvCache Cache { get; } = new(config);
    public SeededRandom Random { get; } = new(request.Sampling.Seed ?? (ulong)System.Random.Shared.NextInt64());
    public FinishReason? Finish { get; private set; }
    public string? MatchedStop { get; private set; }
    public bool IsFinished => Finish is not null;

    /// <summary>The tokens this step feeds: the whole prompt first, then the last sampled token.</summary>
    public IReadOnlyList<int> NextInput => _output.Count == 0 ? Request.PromptTokenIds : [_output[^1].TokenId];

    public void CancelIfRequested()
    {
        if (!IsFinished && Request.Cancellation.IsCancellationRequested)
            Finish = FinishReason.Cancelled;
    }

    /// <summary>Appends a sampled token and decides whether the sequence is done.</summary>
    public void Accept(GeneratedToken token, IReadOnlyCollection<int> eosTokenIds, int maxPositions, Func<int, string> render)
    {
        var sampling = Request.Sampling;
        _output.Add(token);
        _text.Append(render(token.TokenId));
        if (sampling.StopTokenIds.Contains(token.TokenId) || (!sampling.IgnoreEos && eosTokenIds.Contains(token.TokenId)))
            Finish = FinishReason.Stop;
        else if (FindStopString(render(token.TokenId).Length) is { } stop)
            (Finish, MatchedStop) = (FinishReason.Stop, stop);
        else if (_output.Count >= sampling.MaxTokens || Cache.Length + 1 > maxPositions)
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
        new(_output.ToArray(), Finish ?? FinishReason.Length, Request.PromptTokenIds.Count) { MatchedStopString = MatchedStop };

    public void Dispose() => Cache.Dispose();
}
