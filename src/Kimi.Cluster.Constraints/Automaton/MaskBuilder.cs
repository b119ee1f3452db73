namespace Kimi.Cluster.Constraints;

/// <summary>
/// Computes a state's mask: walks the vocabulary's byte trie in preorder, stepping the state's
/// configurations byte by byte and skipping every subtree whose first byte leads nowhere, so a
/// token is allowed exactly when all its bytes can be consumed; then adds the special tokens the
/// state accepts and, where it may end, the end tokens.
/// </summary>
internal sealed class MaskBuilder(TokenVocabulary vocabulary, bool[] isEnd, int endCount)
{
    public AllowedTokens Build(ConstraintState state)
    {
        var bits = AllowedTokens.NewBits(vocabulary.Count);
        if (state.HasFreeText)
            AllText(bits); // free text takes every byte string, so no walk could add one
        else
            Walk(state.Configs, bits);
        AddSpecials(state.Configs, bits);
        if (state.CanEnd)
            AddEnds(bits);
        return Finish(bits, state.CanEnd);
    }

    /// <summary>Every token with a byte string; special tokens come from what the state accepts (<see cref="AddSpecials"/>).</summary>
    private void AllText(ulong[] bits)
    {
        foreach (int id in vocabulary.TextIds)
        {
            if (!isEnd[id])
                AllowedTokens.Set(bits, id);
        }
    }

    private AllowedTokens Finish(ulong[] bits, bool allowsEnd)
    {
        var mask = new AllowedTokens(bits, vocabulary.Count, allowsAll: false, allowsEnd);
        bool all = mask.Count == vocabulary.Count - (allowsEnd ? 0 : endCount);
        return all ? new AllowedTokens(bits, vocabulary.Count, allowsAll: true, allowsEnd) : mask;
    }

    private void Walk(Config[] configs, ulong[] bits)
    {
        var trie = vocabulary.Trie;
        var levels = new ConfigBuffer[trie.MaxDepth + 1];
        levels[0] = new ConfigBuffer();
        foreach (var config in configs)
            levels[0].Add(config);
        byte[] labels = trie.Labels;
        int[] depths = trie.Depths, ends = trie.SubtreeEnds, tokens = trie.Tokens, nextSame = trie.NextSameBytes;
        for (int node = 1; node < labels.Length;)
        {
            int depth = depths[node];
            var parent = levels[depth - 1];
            var here = levels[depth] ??= new ConfigBuffer();
            here.Clear();
            StepAll(parent, labels[node], here);
            if (here.Count == 0)
            {
                node = ends[node]; // nothing in this subtree can be consumed
                continue;
            }
            for (int id = tokens[node]; id >= 0; id = nextSame[id])
            {
                if (!isEnd[id])
                    AllowedTokens.Set(bits, id);
            }
            node++;
        }
    }

    private static void StepAll(ConfigBuffer from, byte b, ConfigBuffer to)
    {
        if (from.Count == 1 && StringMachine.KeepsState(from[0], b))
        {
            to.Add(from[0]); // the common case inside a string, without the dispatch
            return;
        }
        for (int k = 0; k < from.Count; k++)
            StepMachine.Step(from[k], b, to);
    }

    private void AddSpecials(Config[] configs, ulong[] bits)
    {
        var ids = new HashSet<int>();
        foreach (var config in configs)
            CollectSpecials(config, ids);
        foreach (int id in ids)
        {
            if (!isEnd[id])
                AllowedTokens.Set(bits, id);
        }
    }

    // Free text takes no special token but its own end: a tool-call marker inside reasoning would
    // start a call the parsers read but no constraint checked.
    private static void CollectSpecials(in Config config, HashSet<int> ids)
    {
        switch (config.Step?.Kind)
        {
            case StepKind.FreeText or StepKind.Special:
                ids.Add(config.Step.TokenId);
                break;
            case StepKind.Json when JsonMachine.TryFinish(config, out var finished):
                foreach (var next in StepMachine.Closed(finished))
                    CollectSpecials(next, ids);
                break;
        }
    }

    private void AddEnds(ulong[] bits)
    {
        for (int id = 0; id < isEnd.Length; id++)
        {
            if (isEnd[id])
                AllowedTokens.Set(bits, id);
        }
    }
}
