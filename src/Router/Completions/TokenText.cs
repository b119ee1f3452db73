using System.Globalization;

namespace Kimi.Cluster.Router.Completions;

/// <summary>
/// How tokens read as text. The served models have no tokenizer yet, so token N renders
/// as "token_id:N" (vLLM's return_tokens_as_token_ids form); the worker matches stop
/// strings against the same rendering.
/// </summary>
public static class TokenText
{
    public static string Render(int tokenId) => string.Create(CultureInfo.InvariantCulture, $"token_id:{tokenId}");

    /// <summary>The text up to (excluding) the stop string that ended generation, as OpenAI returns it.</summary>
    public static string CutAtStop(string text, string? matchedStop)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrEmpty(matchedStop))
            return text;
        int at = text.IndexOf(matchedStop, StringComparison.Ordinal);
        return at < 0 ? text : text[..at];
    }
}
