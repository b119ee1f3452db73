using System.Text;

namespace Kimi.Cluster.Router.Completions;

/// <summary>
/// Decides how much of a streamed choice's text may be sent yet. Text that could be the
/// start of a stop string is held back until it is clearly not, because OpenAI answers
/// never contain the stop string and streamed text cannot be taken back.
/// </summary>
public sealed class StopTextHoldback(IReadOnlyList<string> stops)
{
    private readonly StringBuilder _text = new();
    private int _sent;

    /// <summary>Adds newly generated text; returns the part that can be sent now.</summary>
    public string Push(string text)
    {
        _text.Append(text);
        string unsent = _text.ToString(_sent, _text.Length - _sent);
        int safe = SafeLength(unsent);
        _sent += safe;
        return unsent[..safe];
    }

    /// <summary>The generation ended: returns the rest, cut before the stop string that ended it.</summary>
    public string Finish(string? matchedStop)
    {
        string whole = TokenText.CutAtStop(_text.ToString(), matchedStop);
        string rest = whole.Length > _sent ? whole[_sent..] : "";
        _sent = Math.Max(_sent, whole.Length);
        return rest;
    }

    private int SafeLength(string unsent)
    {
        int safe = unsent.Length;
        foreach (string stop in stops)
        {
            if (stop.Length == 0)
                continue;
            int at = unsent.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0)
                safe = Math.Min(safe, at);
            for (int k = Math.Min(stop.Length - 1, unsent.Length); k > 0; k--)
            {
                if (unsent.AsSpan(unsent.Length - k).SequenceEqual(stop.AsSpan(0, k)))
                {
                    safe = Math.Min(safe, unsent.Length - k);
                    break;
                }
            }
        }
        return safe;
    }
}
