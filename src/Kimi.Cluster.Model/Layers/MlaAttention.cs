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
    /// 2.0 GB, 4× its FP8 bytes), an F16 one has no bf16 form (the per-head products read bf16 or
    /// float32; twice its bytes), and a float32 checkpoint's is held as stored.
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

    /// <summary>A half as float32 for libtorch's products (the naive form): itself, or its bf16 values widened (exact).</summary>
    private static Tensor Float32(Tensor half) => half.dtype == ScalarType.Float32 ? half : half.to(ScalarType.Float32);

    /// <summary>
    /// Absorbed form, every token in the kernels over the query rows as they are: q_latent = q_nope·W_k
    /// per head (kv_b_proj's key half folded into the query), attention over the cached latents in
    /// place, then ·W_v per head (the value half) straight into o_proj's layout. A prompt's tokens see
    /// its rows up to their own positions (a count of its slot list each), a decode token its whole
    /// cache; each token is computed alone, so its outputs are the same bits in a prefill, a chunk of
    /// one or a decode step. (libtorch's batched products run on one thread here, and its masked
    /// scores took [heads, tokens, cached] floats: a 64-sequence prefill of the bench model spent
    /// a quarter of its time in them.)
    /// </summary>
    private Tensor AttendAbsorbed(Tensor q, IReadOnlyList<AttentionSegment> segments, ILayerCache[] caches) // q: [tokens, heads · qk_head]
    {
        int tokens = (int)q.size(0), heads = _config.NumAttentionHeads, nope = _config.QkNopeHeadDim;
        var queries = TensorMemory.ContiguousFloat32(q);
        var attended = empty(tokens, heads * _config.VHeadDim);
        var (slots, rowCounts) = VisibleRows(segments, caches, tokens);
        var layout = AbsorbedLayout(tokens);
        var queryFloats = TensorMemory.Floats(queries);
        if (SharedPool(caches) is { } pool)
        {
            if (segments.All(s => s.TokenCount == 1))
            {
                // Decode: the latents in between stay in the kernels' scratch (no libtorch call).
                CpuKernels.Shared.AbsorbedAttention(layout, queryFloats, HeadWeights(_keyAbsorb), queryFloats[nope..], TensorMemory.Floats(pool),
                    slots, HeadWeights(_valueAbsorb), TensorMemory.Floats(attended), rowCounts);
                return attended;
            }
            // A prefill's latents, [tokens, heads, kv_lora] twice, are freed with the step (the kernels' scratch only grows).
            CpuKernels.Shared.AbsorbedAttention(layout, queryFloats, HeadWeights(_keyAbsorb), LatentFloats(tokens), queryFloats[nope..],
                TensorMemory.Floats(pool), slots, LatentFloats(tokens), HeadWeights(_valueAbsorb), TensorMemory.Floats(attended), rowCounts);
            return attended;
        }
        // Caches in different pools (a test's own per-sequence caches): the products once, the attention per pool.
        var queryLatents = LatentFloats(tokens);
        var outputLatents = LatentFloats(tokens);
        CpuKernels.Shared.HeadProducts(layout.Keys, queryFloats, HeadWeights(_keyAbsorb), queryLatents);
        var segmentsByPool = new Dictionary<Tensor, List<AttentionSegment>>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < segments.Count; i++)
        {
            var rowPool = caches[i].Rows.Pool;
            if (!segmentsByPool.TryGetValue(rowPool, out var inPool))
                segmentsByPool[rowPool] = inPool = [];
            inPool.Add(segments[i]);
        }
        foreach (var (rowPool, inPool) in segmentsByPool)
        {
            var poolSlots = new int[]?[tokens]; // the other pools' tokens null: skipped
            foreach (var segment in inPool)
                Array.Copy(slots, segment.TokenStart, poolSlots, segment.TokenStart, segment.TokenCount);
            CpuKernels.Shared.LatentAttention(layout.Attention, queryLatents, queryFloats[nope..], TensorMemory.Floats(rowPool), poolSlots, outputLatents, rowCounts);
        }
        CpuKernels.Shared.HeadProducts(layout.Values, outputLatents, HeadWeights(_valueAbsorb), TensorMemory.Floats(attended));
        return attended;
    }

    /// <summary>Each token's slot list (its sequence's cached rows in position order) and how many of them it sees: those up to its own position.</summary>
    private static (int[]?[] Slots, int[] RowCounts) VisibleRows(IReadOnlyList<AttentionSegment> segments, ILayerCache[] caches, int tokens)
    {
        var slots = new int[]?[tokens];
        var rowCounts = new int[tokens];
        for (int i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            var sequenceSlots = caches[i].Rows.Slots;
            for (int j = 0; j < segment.TokenCount; j++)
            {
                slots[segment.TokenStart + j] = sequenceSlots;
                rowCounts[segment.TokenStart + j] = checked((int)(segment.StartPosition + j + 1));
            }
        }
        return (slots, rowCounts);
    }

    /// <summary>
    /// Where the absorbed steps read and write for a call of <paramref name="tokens"/> tokens: the
    /// queries [tokens, heads · (nope + rope)] as they are, the latents [tokens, heads, kv_lora] in
    /// between (token-major: see <see cref="LatentAttentionShape.LatentHeadStride"/>), the attended
    /// values in o_proj's layout [tokens, heads · v].
    /// </summary>
    private AbsorbedAttentionLayout AbsorbedLayout(int tokens)
    {
        int heads = _config.NumAttentionHeads, queryWidth = _config.QkHeadDim;
        int nope = _config.QkNopeHeadDim, latentWidth = _config.KvLoraRank, valueWidth = _config.VHeadDim;
        long latentTokenStride = (long)heads * latentWidth;
        return new AbsorbedAttentionLayout(
            Keys: new HeadProductLayout(heads, tokens, nope, latentWidth,
                XTokenStride: heads * queryWidth, XHeadStride: queryWidth, YTokenStride: latentTokenStride, YHeadStride: latentWidth),
            Attention: new LatentAttentionShape(heads, tokens, latentWidth, _config.QkRopeHeadDim, (float)_config.SoftmaxScale)
            {
                RopeTokenStride = heads * queryWidth,
                RopeHeadStride = queryWidth,
                LatentTokenStride = latentTokenStride,
                LatentHeadStride = latentWidth,
            },
            Values: new HeadProductLayout(heads, tokens, latentWidth, valueWidth,
                XTokenStride: latentTokenStride, XHeadStride: latentWidth, YTokenStride: heads * valueWidth, YHeadStride: valueWidth));
    }

    /// <summary>Room for [tokens, heads, kv_lora] latents, in the current dispose scope.</summary>
    private Span<float> LatentFloats(int tokens) => TensorMemory.Floats(empty(tokens, _config.NumAttentionHeads, _config.KvLoraRank));

    /// <summary>A kv_b_proj half as the kernels read it: its bf16 bits as stored, or float32.</summary>
    private static HeadWeightSpan HeadWeights(Tensor half) => half.dtype == ScalarType.BFloat16
        ? HeadWeightSpan.BFloat16(TensorMemory.BFloat16Bits(half))
        : HeadWeightSpan.Float32(TensorMemory.Floats(half));

    /// <summary>
    /// The queries [tokens, heads · qk_head] viewed per head, for libtorch's products (the naive form).
    /// The kernels take the flat rows: a view is a libtorch call (about 2 µs each layer of a decode step).
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
