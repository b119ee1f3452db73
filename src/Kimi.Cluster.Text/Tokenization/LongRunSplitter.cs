using System.Text;

namespace Kimi.Cluster.Text.Tokenization;

/// <summary>
/// Cuts text where tokenization_kimi.py cuts it before calling tiktoken: into windows of 400,000
/// code points, and inside each wherever a run of whitespace or of non-whitespace (by Python's
/// str.isspace) grows past 25,000 code points. Pieces never cross a cut, so long inputs encode
/// exactly as the reference does. It is given the text between special tokens, which the
/// tokenizer splits off first, as Hugging Face's does.
/// </summary>
internal static class LongRunSplitter
{
    private const int WindowCodePoints = 400_000;
    private const int MaxRunCodePoints = 25_000;

    public static IEnumerable<string> Split(string text)
    {
        if (text.Length <= MaxRunCodePoints)
            return [text]; // nothing can be cut
        return Windows(text).SelectMany(SplitRuns);
    }

    private static IEnumerable<string> Windows(string text)
    {
        int start = 0, codePoints = 0;
        for (int i = 0; i < text.Length; i += Width(text, i))
        {
            if (codePoints++ == WindowCodePoints)
            {
                yield return text[start..i];
                (start, codePoints) = (i, 1);
            }
        }
        yield return text[start..];
    }

    private static IEnumerable<string> SplitRuns(string window)
    {
        int sliceStart = 0, runLength = 0;
        bool runIsSpace = window.Length > 0 && IsPythonSpace(window, 0);
        for (int i = 0; i < window.Length; i += Width(window, i))
        {
            bool isSpace = IsPythonSpace(window, i);
            if (isSpace != runIsSpace)
                (runLength, runIsSpace) = (1, isSpace);
            else if (++runLength > MaxRunCodePoints)
            {
                yield return window[sliceStart..i];
                (sliceStart, runLength) = (i, 1);
            }
        }
        yield return window[sliceStart..];
    }

    private static int Width(string text, int i) => char.IsSurrogatePair(text, i) ? 2 : 1;

    private static bool IsPythonSpace(string text, int i) =>
        Rune.TryGetRuneAt(text, i, out var rune) && (KimiCharClasses.IsSpace(rune.Value) || rune.Value is >= 0x1C and <= 0x1F);
}
