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
    private readonly int[]?[] _slots;
    private readonly int[] _rowCounts;

    public AttentionCall(string widths, int tokens, int cached, bool decode)
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
        _rows = Values((long)poolRows * _shape.RowWidth);
        _queryLatents = Values((long)tokens * heads * latent);
        _queryRopes = Values((long)tokens * heads * rope);
        _outputs = new float[_queryLatents.Length];
        _slots = new int[]?[tokens];
        _rowCounts = new int[tokens];
        int[] prompt = [.. Enumerable.Range(0, cached + tokens)];
        for (int t = 0; t < tokens; t++)
        {
            _slots[t] = decode ? [.. Enumerable.Range(t * cached, cached)] : prompt;
            _rowCounts[t] = decode ? cached : cached + t + 1;
        }
        Description = $"{widths} widths ({heads} heads, kv_lora {latent}, rope {rope}), " +
            (decode ? $"decode of {tokens} sequences over {cached} rows each" : $"prefill of {tokens} tokens after {cached} cached rows");
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

    public void Run(CpuKernels kernels) =>
        kernels.LatentAttention(_shape, _queryLatents, _queryRopes, _rows, _slots, _outputs, _rowCounts);
}
