using System.Text;
using Microsoft.ML.Tokenizers;

namespace Kimi.Cluster.Text.Tokenization;

/// <summary>
/// Kimi's tokenizer: byte-level BPE over the ranks of tiktoken.model, Kimi's pre-tokenization
/// pattern, and the special tokens of tokenizer_config.json. Encodes and decodes exactly as
/// the tiktoken reference does.
/// </summary>
public sealed class KimiTokenizer
{
    private readonly byte[][] _ranks;
    private readonly TiktokenTokenizer _bpe;
    private readonly Dictionary<int, byte[]> _specialBytes;
    private readonly SpecialTokenMatcher _specialMatcher;

    private KimiTokenizer(byte[][] ranks, byte[] tiktokenModel, IReadOnlyDictionary<string, int> specialTokens)
    {
        _ranks = ranks;
        // Microsoft.ML.Tokenizers does the byte-pair merging of each piece. The pieces come from
        // KimiPreTokenizer, not a RegexPreTokenizer: .NET regex cannot express the pattern for
        // non-BMP text (see there). Special tokens are split off before and the library is given
        // none: its own special handling is always on, and Encode must also treat them as text.
        // Decoding is done here from the rank bytes, for Python's errors="replace" result.
        _bpe = TiktokenTokenizer.Create(new MemoryStream(tiktokenModel), KimiPreTokenizer.Instance, normalizer: null, specialTokens: null);
        SpecialTokens = new Dictionary<string, int>(specialTokens, StringComparer.Ordinal);
        _specialBytes = specialTokens.ToDictionary(pair => pair.Value, pair => Encoding.UTF8.GetBytes(pair.Key));
        _specialMatcher = new SpecialTokenMatcher(specialTokens);
        VocabSize = Math.Max(ranks.Length, specialTokens.Count == 0 ? 0 : specialTokens.Values.Max() + 1);
        Ids = KimiSpecialTokenIds.From(specialTokens);
    }

    /// <summary>True when the directory has the files <see cref="Load"/> reads (tiktoken.model).</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, TiktokenFiles.ModelFileName));

    /// <summary>Reads tiktoken.model and tokenizer_config.json; a bad file is a <see cref="TokenizerLoadException"/> naming it.</summary>
    public static KimiTokenizer Load(string directory)
    {
        string modelPath = Path.Combine(directory, TiktokenFiles.ModelFileName);
        if (!File.Exists(modelPath))
            throw new TokenizerLoadException($"{modelPath} is missing");
        byte[] model = File.ReadAllBytes(modelPath);
        var ranks = TiktokenModelReader.Read(model, modelPath);
        string configPath = Path.Combine(directory, TiktokenFiles.ConfigFileName);
        var specials = TokenizerConfigReader.ReadSpecialTokens(configPath, ranks.Length);
        CheckSpecialIds(specials, ranks.Length, message => new TokenizerLoadException($"{configPath}: {message}"));
        return new KimiTokenizer(ranks, model, specials);
    }

    /// <summary>Builds a tokenizer from tiktoken.model's lines (base64 token, space, rank) and special tokens by id.</summary>
    public static KimiTokenizer Create(Stream tiktokenModel, IReadOnlyDictionary<string, int> specialTokens)
    {
        ArgumentNullException.ThrowIfNull(tiktokenModel);
        ArgumentNullException.ThrowIfNull(specialTokens);
        using var buffer = new MemoryStream();
        tiktokenModel.CopyTo(buffer);
        byte[] model = buffer.ToArray();
        var ranks = TiktokenModelReader.Read(model, TiktokenFiles.ModelFileName);
        CheckSpecialIds(specialTokens, ranks.Length, message => new ArgumentException(message, nameof(specialTokens)));
        return new KimiTokenizer(ranks, model, specialTokens);
    }

    /// <summary>One more than the largest id, ordinary or special.</summary>
    public int VocabSize { get; }

    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>The named Kimi special tokens this vocabulary has.</summary>
    public KimiSpecialTokenIds Ids { get; }

    /// <summary>
    /// Encodes text. With <paramref name="allowSpecialTokens"/> the special tokens' strings in the
    /// text become their ids (a rendered chat prompt); without, they are encoded as plain text.
    /// </summary>
    /// <remarks>
    /// As Hugging Face's tokenizer does, special tokens are split off first and each stretch of
    /// text between them is then cut where tokenization_kimi.py cuts long runs, so a run next to a
    /// special token is counted without it.
    /// </remarks>
    public IReadOnlyList<int> Encode(string text, bool allowSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        int position = 0;
        while (allowSpecialTokens && _specialMatcher.FindNext(text, position) is var (start, special))
        {
            EncodeOrdinary(text[position..start], ids);
            ids.Add(SpecialTokens[special]);
            position = start + special.Length;
        }
        EncodeOrdinary(text[position..], ids);
        return ids;
    }

    /// <summary>
    /// Decodes ids; invalid UTF-8 becomes U+FFFD as in the reference. Unknown ids throw
    /// ArgumentOutOfRangeException. Special tokens in <paramref name="keptSpecialTokens"/> are
    /// rendered even when skipping the others (the chat parsers need think and tool-call markers).
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens, IReadOnlySet<int>? keptSpecialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if (Renders(id, skipSpecialTokens, keptSpecialTokens))
                bytes.AddRange(TokenBytes(id));
        }
        // .NET's replacement decoding substitutes each maximal invalid subpart, as Python's errors="replace".
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>The raw bytes of one token (a special token's UTF-8 string).</summary>
    public byte[] TokenBytes(int id)
    {
        if (id >= 0 && id < _ranks.Length)
            return _ranks[id];
        if (_specialBytes.TryGetValue(id, out var special))
            return special;
        throw new ArgumentOutOfRangeException(nameof(id), id, $"not a token id of this {VocabSize}-token vocabulary");
    }

    public bool IsSpecial(int id) => _specialBytes.ContainsKey(id);

    /// <summary>
    /// Every id's byte string, for matching text token by token (constrained decoding): null for
    /// special tokens, which are symbols of their own, and for ids no token has.
    /// </summary>
    public byte[]?[] TextByteStrings()
    {
        var bytes = new byte[]?[VocabSize];
        for (int id = 0; id < _ranks.Length; id++)
        {
            if (!IsSpecial(id))
                bytes[id] = _ranks[id];
        }
        return bytes;
    }

    /// <summary>A decoder for one stream of generated tokens that never splits a UTF-8 character.</summary>
    public IncrementalDetokenizer CreateDetokenizer(bool skipSpecialTokens, IReadOnlySet<int>? keptSpecialTokens = null) =>
        new(this, skipSpecialTokens, keptSpecialTokens);

    /// <summary>Whether <paramref name="id"/> contributes bytes to decoded text; throws for an unknown id.</summary>
    internal bool Renders(int id, bool skipSpecialTokens, IReadOnlySet<int>? keptSpecialTokens)
    {
        if (!IsSpecial(id))
        {
            _ = TokenBytes(id); // throws for an id outside the vocabulary
            return true;
        }
        return !skipSpecialTokens || keptSpecialTokens?.Contains(id) == true;
    }

    private void EncodeOrdinary(string text, List<int> ids)
    {
        foreach (string slice in LongRunSplitter.Split(text))
        {
            if (slice.Length > 0)
                ids.AddRange(_bpe.EncodeToIds(slice, considerPreTokenization: true, considerNormalization: false));
        }
    }

    private static void CheckSpecialIds(IReadOnlyDictionary<string, int> specials, int rankCount, Func<string, Exception> error)
    {
        foreach (var (content, id) in specials)
        {
            if (id < rankCount)
                throw error($"special token {content} has id {id}, which is an ordinary rank (there are {rankCount})");
            if (content.Length == 0)
                throw error($"special token {id} has an empty string");
        }
        if (specials.Values.Distinct().Count() != specials.Count)
            throw error("two special tokens share an id");
    }
}
