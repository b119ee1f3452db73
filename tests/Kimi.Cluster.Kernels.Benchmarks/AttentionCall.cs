using Kimi.Cluster.Kernels.Attention;

namespace Kimi.Cluster.Kernels.Benchmarks;

/// <summary>
/// One latent-attention call as the model makes it (latents token-major, every row in one pool):
/// a prompt's chunk of <c>tokens</c> tokens after <c>cached</c> rows, each seeing its rows up to
/// its position, or (<c>decode</c>) that many sequences of one token each over <c>cached</c> rows.
/// Widths: the bench model's (16 heads, kv_lora 128, rope 32) or K2.5's (64 heads, 512, 64).
/// </summary>
public sealed class AttentionCall
{
    private readonly LatentAttentionShape _shape;
    private readonly float[] _rows, _queryLatents, _queryRopes, _outputs;
    private readonly int[]?[][] _slots;
    private int _nextCopy;
    private readonly int[] _rowCounts;

    /// <param name="cold">
    /// Whether each call reads rows the call before did not (copies of the pool, together past
    /// <see cref="ColdBytes"/>), as each layer's cache in a decode step: the rows then come from
    /// memory, not L3. The copies hold the same values, so the outputs are the same.
    /// </param>
    public AttentionCall(string widths, int tokens, int cached, bool decode, bool cold = false)
    {
        var (heads, latent, rope) = widths switch
        {
            "bench" => (16, 128, 32),
            "k25" => (64, 512, 64),
            _ => throw new ArgumentException($"attention widths '{widths}': bench or k25", nameof(widths)),
        };
        _shape = new LatentAttentionShape(heads, tokens, latent, rope, Scale: 0.05f)
        {
            LatentTokenStride = (long)heads * latent,
            LatentHeadStride = latent,
        };
        var random = new Random(1);
        float[] Values(long count) => [.. Enumerable.Range(0, checked((int)count)).Select(_ => (float)(random.NextDouble() - 0.5))];
        int poolRows = decode ? tokens * cached : cached + tokens;
        long poolFloats = (long)poolRows * _shape.RowWidth;
        int copies = cold ? (int)Math.Max(2, (ColdBytes + poolFloats * sizeof(float) - 1) / (poolFloats * sizeof(float))) : 1;
        var pool = Values(poolFloats);
        _rows = new float[checked(poolFloats * copies)];
        for (int copy = 0; copy < copies; copy++)
            pool.CopyTo(_rows, copy * poolFloats);
        _queryLatents = Values((long)tokens * heads * latent);
        _queryRopes = Values((long)tokens * heads * rope);
        _outputs = new float[_queryLatents.Length];
        _slots = new int[]?[copies][];
        _rowCounts = new int[tokens];
        for (int copy = 0; copy < copies; copy++)
        {
            int first = copy * poolRows;
            int[] prompt = [.. Enumerable.Range(first, cached + tokens)];
            _slots[copy] = new int[]?[tokens];
            for (int t = 0; t < tokens; t++)
                _slots[copy][t] = decode ? [.. Enumerable.Range(first + t * cached, cached)] : prompt;
        }
        for (int t = 0; t < tokens; t++)
            _rowCounts[t] = decode ? cached : cached + t + 1;
        Description = $"{widths} widths ({heads} heads, kv_lora {latent}, rope {rope}), " +
            (decode ? $"decode of {tokens} sequences over {cached} rows each" : $"prefill of {tokens} tokens after {cached} cached rows") +
            (cold ? $", rows cold ({copies} copies)" : "");
        Flops = _rowCounts.Sum(count => (double)count) * heads * (2 * latent + rope) * 2;
    }

    public string Description { get; }

    /// <summary>Multiply-adds ×2 of the scores and the weighted sum (the softmax not counted).</summary>
    public double Flops { get; }

    /// <summary>
    /// FNV-1a over the outputs' bits: equal digests before and after a change to the kernels say it
    /// kept every output's bits (the inputs come from a fixed seed).
    /// </summary>
    public ulong OutputDigest()
    {
        ulong digest = 14695981039346656037;
        foreach (float value in _outputs)
            digest = (digest ^ BitConverter.SingleToUInt32Bits(value)) * 1099511628211;
        return digest;
    }

    /// <summary>Bytes of rows a cold call's copies span together: well past this machine's L3.</summary>
    public const long ColdBytes = 256L << 20;

    public void Run(CpuKernels kernels)
    {
        kernels.LatentAttention(_shape, _queryLatents, _queryRopes, _rows, _slots[_nextCopy], _outputs, _rowCounts);
        _nextCopy = (_nextCopy + 1) % _slots.Length;
    }
}
