using System.Text;
using Kimi.Cluster.Contracts.V1;
using Kimi.Cluster.Router.Text;

namespace Kimi.Cluster.Router.Generation;

/// <summary>
/// Turns one choice's worker responses into text: detokenizes, applies the stop strings (the
/// router matches them on the decoded text and ends the call itself), and maps the finish reason.
/// </summary>
public sealed class ChoiceDecoder(ITokenStreamDecoder decoder, IReadOnlyList<string> stops) : IChoiceTokenCounts
{
    private readonly StopStringMatcher _stops = new(stops);

    public int PromptTokens { get; private set; }
    public int CompletionTokens { get; private set; }

    /// <summary>Set once the choice has ended; the caller then stops reading (and so ends the worker call).</summary>
    public string? FinishReason { get; private set; }

    public DecodedStep Next(GenerateResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.PromptTokens != 0)
            PromptTokens = (int)response.PromptTokens;
        CompletionTokens += response.Tokens.Count;
        var text = new StringBuilder();
        foreach (var token in response.Tokens)
            text.Append(decoder.Push(token.TokenId));
        string? finish = FinishReasons.ToOpenAi(response.FinishReason);
        if (finish is not null)
            text.Append(decoder.Flush());
        var (sendable, stopped) = _stops.Push(text.ToString());
        if (stopped)
            finish = "stop";
        else if (finish is not null)
            sendable += _stops.Finish();
        FinishReason = finish;
        return new DecodedStep(sendable, response.Tokens, finish);
    }
}
