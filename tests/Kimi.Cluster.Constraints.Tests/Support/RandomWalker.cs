using Kimi.Cluster.Constraints;

namespace Kimi.Cluster.Constraints.Tests.Support;

/// <summary>
/// Walks a cursor by picking among its allowed tokens at random until an end token is taken:
/// uniformly at first, then, past <see cref="CloseAfter"/> tokens, preferring tokens that close
/// things (brackets, quotes, a digit, a letter, separators) that change what may come next
/// (a brace inside a string does not), then any sampled token that does, so that walks end.
/// </summary>
internal sealed class RandomWalker(TokenVocabulary vocabulary, int seed)
{
    private static readonly char[] Closers = ['}', ']', '"', '0', '5', 'a', ',', ':'];
    private static readonly int QuoteIndex = Array.IndexOf(Closers, '"');
    private readonly Random _random = new(seed);
    private readonly int[] _closerIds = [.. Closers.Select(c => FindSingleByte(vocabulary, (byte)c))];

    public int CloseAfter { get; init; } = 40;
    public int MaxTokens { get; init; } = 1_000;

    /// <summary>Names the walk in failure messages.</summary>
    public string Label { get; init; } = "";

    /// <summary>Optional: called with the cursor before each pick (to check masks along the way).</summary>
    public Action<ConstraintCursor>? Visit { get; init; }

    /// <summary>The bytes produced and the token ids taken (the end token last).</summary>
    public (byte[] Bytes, List<int> Tokens) Walk(ConstraintCursor cursor, IReadOnlyCollection<int> endTokens)
    {
        var bytes = new List<byte>();
        var tokens = new List<int>();
        while (!cursor.IsEnded)
        {
            Assert.True(tokens.Count < MaxTokens, $"{Label}: the walk did not end within {MaxTokens} tokens: {System.Text.Encoding.UTF8.GetString([.. bytes])}");
            Visit?.Invoke(cursor);
            int token = Pick(cursor, endTokens, tokens.Count);
            cursor.Accept(token);
            tokens.Add(token);
            bytes.AddRange(vocabulary.TokenBytes(token) ?? []);
        }
        return ([.. bytes], tokens);
    }

    private int Pick(ConstraintCursor cursor, IReadOnlyCollection<int> endTokens, int step)
    {
        var allowed = cursor.Allowed();
        Assert.True(allowed.Count > 0, $"{Label}: a dead end, nothing is allowed");
        bool closing = step >= CloseAfter;
        if (allowed.AllowsEnd && (closing || _random.Next(4) == 0))
            return endTokens.First();
        if (closing && ClosesAString(cursor, allowed))
            return _closerIds[QuoteIndex];
        foreach (int closer in closing ? _closerIds : [])
        {
            if (closer >= 0 && allowed.Contains(closer) && Moves(cursor, closer))
                return closer;
        }
        var ids = allowed.Ids().ToList();
        if (closing && ids.Find(id => vocabulary.IsSpecial(id) && Moves(cursor, id)) is var special and > 0)
            return special; // free text ends only at its special token
        if (closing && SomeMovingToken(cursor, ids) is { } moving)
            return moving; // e.g. the character an unanchored pattern still waits for
        return ids[_random.Next(ids.Count)];
    }

    /// <summary>Would a quote here end a string (rather than open one)? Then it comes before the other closers.</summary>
    private bool ClosesAString(ConstraintCursor cursor, AllowedTokens allowed)
    {
        int quote = _closerIds[QuoteIndex];
        if (quote < 0 || !allowed.Contains(quote))
            return false;
        var fork = cursor.Fork();
        fork.Accept(quote);
        if (ReferenceEquals(fork.MaskState, cursor.MaskState))
            return false; // free text, where a quote is just text
        var after = fork.Allowed();
        return after.AllowsEnd || _closerIds.Take(2).Concat([_closerIds[Array.IndexOf(Closers, ',')]]).Any(id => id >= 0 && after.Contains(id));
    }

    /// <summary>One of a random sample of <paramref name="ids"/> that changes the state, if any.</summary>
    private int? SomeMovingToken(ConstraintCursor cursor, List<int> ids)
    {
        for (int i = 0; i < 200; i++)
        {
            int id = ids[_random.Next(ids.Count)];
            if (Moves(cursor, id))
                return id;
        }
        return null;
    }

    private static bool Moves(ConstraintCursor cursor, int token)
    {
        var fork = cursor.Fork();
        fork.Accept(token);
        return !ReferenceEquals(fork.MaskState, cursor.MaskState);
    }

    private static int FindSingleByte(TokenVocabulary vocabulary, byte b)
    {
        for (int id = 0; id < vocabulary.Count; id++)
        {
            if (vocabulary.TokenBytes(id) is [var only] && only == b)
                return id;
        }
        return -1;
    }
}
