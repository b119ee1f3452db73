using Kimi.Cluster.Kernels;
using Kimi.Cluster.Kernels.Attention;
using Kimi.Cluster.Model.Caching;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.TensorSupport;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// Multi-head latent attention. Queries: q_b(norm(q_a(x))) (or q_proj(x)), split per head into
/// a no-position part and a rotary part. Keys and values come from one latent per token
/// (kv_a_proj_with_mqa → norm) plus one rotary key shared by all heads; the cache keeps only
/// those two, and kv_b_proj expands them (naive) or is folded into the query/output (absorbed).
/// </summary>
public sealed class MlaAttention : IDisposable
{
    // Hugging Face builds these two norms with the default eps whatever rms_norm_eps says.
    private const double LatentNormEps = 1e-6;
    private readonly ModelConfig _config;
    private readonly int _layer;
    private readonly Linear? _qAProj, _qBProj, _qProj;
    private readonly RmsNorm? _qANorm;
    private readonly Linear _kvAProjWithMqa, _oProj;
    private readonly RmsNorm _kvANorm;
    // kv_b_proj's halves, bf16 as stored in a bf16 checkpoint, else float32 (see PerHeadHalves).
    private readonly Tensor _keyAbsorb;   // [heads, nope, kv_lora]: kv_b_proj's key half
    private readonly Tensor _valueAbsorb; // [heads, kv_lora, v]: kv_b_proj's value half, transposed for the batched product
    private readonly Scalar _softmaxScale;

    public MlaForm Form { get; set; } = MlaForm.Absorbed;

    public MlaAttention(ModelConfig config, int layer, IWeightSource weights)
    {
        _config = config;
        _layer = layer;
        _softmaxScale = config.SoftmaxScale.ToScalar();
        string p = $"model.layers.{layer}.self_attn";
        long heads = config.NumAttentionHeads, hidden = config.HiddenSize;
        if (config.QLoraRank is int qLora)
        {
            _qAProj = Linear.Load(weights, $"{p}.q_a_proj", qLora, hidden);
            _qANorm = RmsNorm.Load(weights, $"{p}.q_a_layernorm", qLora, LatentNormEps);
            _qBProj = Linear.Load(weights, $"{p}.q_b_proj", heads * config.QkHeadDim, qLora);
        }
        else
        {
            _qProj = Linear.Load(weights, $"{p}.q_proj", heads * config.QkHeadDim, hidden);
        }
        _kvAProjWithMqa = Linear.Load(weights, $"{p}.kv_a_proj_with_mqa", config.KvLoraRank + config.QkRopeHeadDim, hidden);
        _kvANorm = RmsNorm.Load(weights, $"{p}.kv_a_layernorm", config.KvLoraRank, LatentNormEps);
        _oProj = Linear.Load(weights, $"{p}.o_proj", hidden, heads * config.VHeadDim);
        using var kvBProj = PerHeadHalves(weights, $"{p}.kv_b_proj", heads * (config.QkNopeHeadDim + config.VHeadDim), config.KvLoraRank);
        using var perHead = kvBProj.view(heads, config.QkNopeHeadDim + config.VHeadDim, config.KvLoraRank);
        _keyAbsorb = perHead.narrow(1, 0, config.QkNopeHeadDim).contiguous();
        _valueAbsorb = perHead.narrow(1, config.QkNopeHeadDim, config.VHeadDim).transpose(1, 2).contiguous();
    }

    /// <summary>
    /// x: [tokens, hidden], the layer's input before <paramref name="inputNorm"/> (its input_layernorm),
    /// which is applied here: norm(x) is read only by the first projections, so it is never a tensor
    /// of its own. cos/sin: [tokens, rope/2]. Appends to each segment's cache.
    /// </summary>
    public Tensor Forward(Tensor x, RmsNorm inputNorm, Tensor cos, Tensor sin, IReadOnlyList<AttentionSegment> segments)
    {
        using var scope = NewDisposeScope();
        long tokens = x.size(0), heads = _config.NumAttentionHeads;
        // kv_a's output becomes the step's cache rows: the latent normalised and the rope key rotated in place.
        var (queries, rows) = QueriesAndCacheRows(x, inputNorm);                            // [tokens, heads · qk_head], [tokens, kv_lora + rope]
        RotateRopeParts(queries, rows, cos, sin);
        _kvANorm.ForwardRowStartsInPlace(rows);
        var caches = new ILayerCache[segments.Count];
        var cacheRows = TensorMemory.Floats(rows);
        int rowWidth = _config.KvLoraRank + _config.QkRopeHeadDim;
        for (int i = 0; i < segments.Count; i++)
        {
            caches[i] = segments[i].Cache.Layer(_layer);
            caches[i].Append(cacheRows.Slice(segments[i].TokenStart * rowWidth, segments[i].TokenCount * rowWidth));
        }
        var attended = Form == MlaForm.Absorbed ? AttendAbsorbed(queries, segments, caches) : AttendNaive(PerHead(queries), segments, caches);
        // The decode kernels write o_proj's layout [tokens, heads · v] themselves (a reshape is one more libtorch call).
        var perToken = attended.Dimensions == 2 ? attended : attended.reshape(tokens, heads * _config.VHeadDim);
        return _oProj.Forward(perToken).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Rotates the rope part of every query head and the shared rope key in place (both tensors are
    /// fresh outputs of this layer's projections): one pass instead of a dozen libtorch calls each.
    /// </summary>
    private void RotateRopeParts(Tensor q, Tensor compressed, Tensor cos, Tensor sin)
    {
        YarnRotaryEmbedding.RotateInPlace(q, _config.NumAttentionHeads, _config.QkNopeHeadDim, _config.QkHeadDim, cos, sin);
        YarnRotaryEmbedding.RotateInPlace(compressed, 1, _config.KvLoraRank, _config.KvLoraRank + _config.QkRopeHeadDim, cos, sin);
    }

    /// <summary>
    /// The queries, q_b(norm(q_a(x'))) or q_proj(x'), and kv_a(x'), where x' = <paramref name="inputNorm"/>(x).
    /// q_a and kv_a both read x', so they run as one kernel dispatch; the normalised rows (x', the
    /// query latents) go straight from pooled memory into the projections that read them.
    /// </summary>
    private (Tensor Queries, Tensor CacheRows) QueriesAndCacheRows(Tensor x, RmsNorm inputNorm)
    {
        using var normed = new NormedRows(inputNorm, x);
        if (_qProj is not null)
            return (_qProj.Forward(normed), _kvAProjWithMqa.Forward(normed));
        // _qAProj, _qANorm, _qBProj: set together (see constructor).
        var (queryLatents, cacheRows) = Linear.ForwardBoth(_qAProj!, _kvAProjWithMqa, normed);
        return (_qBProj!.Forward(_qANorm!, queryLatents), cacheRows);
    }

    /// <summary>
    /// kv_b_proj, to be split per head into its key and value halves (absorbed form), which are all
    /// that is held of it. A bf16 checkpoint's stays bf16, its bits as stored (the kernels read bf16;
    /// K2.5: 16.8 MB a layer, 1.0 GB over 61 layers). Any other format is decoded to float32: an FP8
    /// value times its block scale needs more bits than bf16 has (K2-Instruct: 33.6 MB a layer,
    /// 2.0 GB, 4× its FP8 bytes), and a float32 checkpoint's is held as stored.
    /// </summary>
    private static Tensor PerHeadHalves(IWeightSource weights, string module, long rows, long columns)
    {
        using var stored = weights.LoadMatrix(module, (int)rows, (int)columns);
        if (stored.Matrix.Format == WeightFormat.BFloat16)
            return TensorMemory.StoredBFloat16(stored.Matrix);
        var values = TensorMemory.DecodeRows(stored.Matrix, [.. Enumerable.Range(0, (int)rows)]);
        weights.Resident.Replace(stored.Matrix, "F32", rows * columns * sizeof(float));
        return values;
    }

    /// <summary>A half as float32 for libtorch's products (prefill, the naive form): itself, or its bf16 values widened (exact).</summary>
    private static Tensor Float32(Tensor half) => half.dtype == ScalarType.Float32 ? half : half.to(ScalarType.Float32);

    /// <summary>
    /// Absorbed form: kv_b_proj's key half folds into the query (q_latent = q_nope·W_k per head), so
    /// scores and the weighted sum run over the cached latents themselves; its value half then
    /// expands the attended latent. Decode tokens (one query, seeing its whole cache) go to the
    /// kernel together, reading the cache rows in place; longer segments use batched products.
    /// </summary>
    private Tensor AttendAbsorbed(Tensor queries, IReadOnlyList<AttentionSegment> segments, ILayerCache[] caches)
    {
        if (segments.All(s => s.TokenCount == 1) && SharedPool(caches) is { } sharedPool)
            return AttendDecodes(queries, caches, sharedPool);
        var q = PerHead(queries);                                                               // [tokens, heads, qk_head]
        long tokens = q.size(0), heads = _config.NumAttentionHeads;
        int latentWidth = _config.KvLoraRank;
        var qLatent = q.narrow(2, 0, _config.QkNopeHeadDim).transpose(0, 1).bmm(Float32(_keyAbsorb)); // [heads, tokens, kv_lora]
        var qRope = q.narrow(2, _config.QkNopeHeadDim, _config.QkRopeHeadDim).contiguous();    // [tokens, heads, rope]
        var outLatent = empty(heads, tokens, latentWidth);                                     // [heads, tokens, kv_lora]
        var decoded = new Dictionary<Tensor, int[]?[]>(ReferenceEqualityComparer.Instance);     // per cache pool: each token's rows
        for (int i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (segment.TokenCount == 1)
            {
                var cached = caches[i].Rows;
                if (!decoded.TryGetValue(cached.Pool, out var slots))
                    decoded[cached.Pool] = slots = new int[]?[tokens];
                slots[segment.TokenStart] = cached.Slots;
                continue;
            }
            var all = caches[i].All;
            var latents = all.narrow(1, 0, latentWidth);
            var ropeKeys = all.narrow(1, latentWidth, _config.QkRopeHeadDim);
            var ql = qLatent.narrow(1, segment.TokenStart, segment.TokenCount);                 // [heads, n, kv_lora]
            var qr = qRope.narrow(0, segment.TokenStart, segment.TokenCount).transpose(0, 1);  // [heads, n, rope]
            var scores = ql.matmul(latents.t()).Plus(qr.matmul(ropeKeys.t()));                 // [heads, n, cached]
            outLatent.narrow(1, segment.TokenStart, segment.TokenCount).copy_(CausalSoftmax(scores, segment.StartPosition).matmul(latents));
        }
        if (decoded.Count > 0)
        {
            var shape = new LatentAttentionShape((int)heads, (int)tokens, latentWidth, _config.QkRopeHeadDim, (float)_config.SoftmaxScale);
            var queryLatents = TensorMemory.ContiguousFloat32(qLatent);
            foreach (var (pool, slots) in decoded)
            {
                CpuKernels.Shared.LatentAttention(shape, TensorMemory.Floats(queryLatents), TensorMemory.Floats(qRope),
                    TensorMemory.Floats(pool), slots, TensorMemory.Floats(outLatent));
            }
        }
        return outLatent.bmm(Float32(_valueAbsorb)).transpose(0, 1);                           // [tokens, heads, v]
    }

    /// <summary>
    /// A step of only decode queries, all in kernels over the query rows as they are (libtorch's
    /// batched products run on one thread and cost more than their arithmetic at these sizes):
    /// q_latent = q_nope·W_k per head, attention over the cache rows in place, then ·W_v per head
    /// straight into o_proj's layout; a small batch does all three in one kernel dispatch. The latents
    /// in between stay in the kernels' scratch.
    /// </summary>
    private Tensor AttendDecodes(Tensor q, ILayerCache[] caches, Tensor pool) // q: [tokens, heads · qk_head]
    {
        int tokens = (int)q.size(0), heads = _config.NumAttentionHeads, queryWidth = _config.QkHeadDim;
        int nope = _config.QkNopeHeadDim, latentWidth = _config.KvLoraRank, valueWidth = _config.VHeadDim;
        var queries = TensorMemory.ContiguousFloat32(q);                                       // [tokens, heads · (nope + rope)]
        var attended = empty(tokens, heads * valueWidth);
        var layout = new AbsorbedDecodeLayout(
            Keys: new HeadProductLayout(heads, tokens, nope, latentWidth,
                XTokenStride: heads * queryWidth, XHeadStride: queryWidth, YTokenStride: latentWidth, YHeadStride: (long)tokens * latentWidth),
            Attention: new LatentAttentionShape(heads, tokens, latentWidth, _config.QkRopeHeadDim, (float)_config.SoftmaxScale)
            {
                RopeTokenStride = heads * queryWidth,
                RopeHeadStride = queryWidth,
            },
            Values: new HeadProductLayout(heads, tokens, latentWidth, valueWidth,
                XTokenStride: latentWidth, XHeadStride: (long)tokens * latentWidth, YTokenStride: heads * valueWidth, YHeadStride: valueWidth));
        var slots = caches.Select(c => c.Rows.Slots).ToArray();
        CpuKernels.Shared.AbsorbedDecode(layout, TensorMemory.Floats(queries), HeadWeights(_keyAbsorb),
            TensorMemory.Floats(queries)[nope..], TensorMemory.Floats(pool), slots, HeadWeights(_valueAbsorb), TensorMemory.Floats(attended));
        return attended;
    }

    /// <summary>A kv_b_proj half as the decode kernels read it: its bf16 bits as stored, or float32.</summary>
    private static HeadWeightSpan HeadWeights(Tensor half) => half.dtype == ScalarType.BFloat16
        ? HeadWeightSpan.BFloat16(TensorMemory.BFloat16Bits(half))
        : HeadWeightSpan.Float32(TensorMemory.Floats(half));

    /// <summary>
    /// The queries [tokens, heads · qk_head] viewed per head, for libtorch's products. The decode
    /// kernels take the flat rows: a view is a libtorch call (about 2 µs each layer of a decode step).
    /// </summary>
    private Tensor PerHead(Tensor queries) => queries.view(queries.size(0), _config.NumAttentionHeads, _config.QkHeadDim);

    /// <summary>The pool every cache's rows live in, or null when they live in different ones.</summary>
    private static Tensor? SharedPool(ILayerCache[] caches)
    {
        var pool = caches[0].Rows.Pool;
        return caches.All(c => ReferenceEquals(c.Rows.Pool, pool)) ? pool : null;
    }

    /// <summary>Naive form, the reference: kv_b_proj (its two halves) expands every cached latent into per-head keys and values.</summary>
    private Tensor AttendNaive(Tensor q, IReadOnlyList<AttentionSegment> segments, ILayerCache[] caches)
    {
        var outputs = new List<Tensor>(segments.Count);
        var keyHalf = Float32(_keyAbsorb);
        var valueHalf = Float32(_valueAbsorb);
        for (int i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            var all = caches[i].All;
            var mine = q.narrow(0, segment.TokenStart, segment.TokenCount);
            var qNope = mine.narrow(2, 0, _config.QkNopeHeadDim);                              // [n, heads, nope]
            var qRope = mine.narrow(2, _config.QkNopeHeadDim, _config.QkRopeHeadDim);          // [n, heads, rope]
            var ropeKeys = all.narrow(1, _config.KvLoraRank, _config.QkRopeHeadDim);           // [cached, rope]
            var latents = all.narrow(1, 0, _config.KvLoraRank);                               // [cached, kv_lora]
            var keys = einsum("sc,hdc->shd", latents, keyHalf);                               // [cached, heads, nope]
            var values = einsum("sc,hcv->shv", latents, valueHalf);                           // [cached, heads, v]
            var scores = einsum("thd,shd->hts", qNope, keys).Plus(einsum("thr,sr->hts", qRope, ropeKeys));
            outputs.Add(einsum("hts,shv->thv", CausalSoftmax(scores, segment.StartPosition), values)); // [n, heads, v]
        }
        return cat(outputs, 0);
    }

    /// <summary>Scale, hide future positions (query i sits at position start + i), softmax over the cache.</summary>
    private Tensor CausalSoftmax(Tensor scores, long start)
    {
        long queries = scores.size(1), cached = scores.size(2);
        if (queries == 1 && cached <= start + 1)
            return softmax(scores.mul(_softmaxScale), -1); // a decode query sees the whole cache: nothing to hide
        var queryPositions = tensor(Enumerable.Range(0, (int)queries).Select(i => start + i).ToArray()).unsqueeze(1);
        var cachePositions = tensor(Enumerable.Range(0, (int)cached).Select(i => (long)i).ToArray()).unsqueeze(0);
        var future = cachePositions > queryPositions;                                         // [n, cached]
        var masked = scores.mul(_softmaxScale).masked_fill(future, KeptScalars.NegativeInfinity);
        return softmax(masked, -1);
    }

    public void Dispose()
    {
        foreach (var linear in new[] { _qAProj, _qBProj, _qProj, _kvAProjWithMqa, _oProj })
            linear?.Dispose();
        _keyAbsorb.Dispose();
        _valueAbsorb.Dispose();
        _qANorm?.Dispose();
        _kvANorm.Dispose();
        _softmaxScale.Dispose();
    }
}
