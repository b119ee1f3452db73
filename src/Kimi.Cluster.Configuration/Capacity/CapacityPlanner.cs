namespace Kimi.Cluster.Model.Configuration.Capacity;

/// <summary>
/// How many bytes each process of a deployment needs, from the model config alone: every tensor
/// the workers load, in the form they hold it (as stored for matrices: INT4, FP8 or the
/// checkpoint's dense dtype; float32 for norms, the router's bias and a kv_b_proj stored in any
/// form but bf16, which the absorbed attention uses per head), the float32 KV cache, and one
/// step's activation buffers.
/// The same rules as the loaders, so a loaded worker's resident-bytes report equals the plan.
/// </summary>
public static class CapacityPlanner
{
    /// <param name="config">The text model.</param>
    /// <param name="denseDtype">config.json's torch_dtype (or dtype): the form of unquantized matrices.</param>
    /// <param name="options">The deployment.</param>
    /// <param name="checkpointBytes">index.json's metadata.total_size, when there is one.</param>
    public static CapacityPlan Plan(ModelConfig config, string? denseDtype, CapacityOptions options, long? checkpointBytes = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problem() is { } problem)
            throw new ArgumentException(problem, nameof(options));
        var weights = new Weights(config, WeightForms.OfDtype(denseDtype));
        weights.AddShared();
        if (config.Vision is { } vision)
            weights.AddVision(vision);
        bool inProcess = options.ExpertWorkers == 0;
        if (inProcess)
            weights.AddExperts(config.NRoutedExperts);
        long kvPerToken = (long)(config.KvLoraRank + config.QkRopeHeadDim) * config.NumHiddenLayers * sizeof(float);
        var processes = new List<ProcessFootprint>
        {
            new("attention worker", options.AttentionWorkers, weights.ByForm, inProcess ? config.NRoutedExperts : 0,
                kvPerToken, kvPerToken * options.KvCacheTokens, AttentionActivations(config, options, inProcess)),
        };
        if (!inProcess)
        {
            // `local` cuts the experts into one shard per worker; each worker holds `replicas` shards.
            int perShard = (config.NRoutedExperts + options.ExpertWorkers - 1) / options.ExpertWorkers;
            int experts = Math.Min(config.NRoutedExperts, perShard * options.ExpertReplicas);
            var expertWeights = new Weights(config, WeightForms.OfDtype(denseDtype));
            expertWeights.AddExperts(experts);
            processes.Add(new ProcessFootprint("expert worker", options.ExpertWorkers, expertWeights.ByForm, experts,
                0, 0, ExpertActivations(config, options.MaxBatchTokens)));
        }
        string model = $"{config.ModelType}: {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, "
            + $"{config.NRoutedExperts} routed experts top-{config.NumExpertsPerTok}, vocabulary {config.VocabSize}";
        return new CapacityPlan(model, processes, checkpointBytes);
    }

    /// <summary>
    /// The widest layer's float32 buffers for a step of B tokens: hidden state, residual and norm
    /// output; queries; cache rows; query and attended latents; attended values; the MLP's gate and
    /// up outputs (the dense MLP, or every expert pair and the shared expert); the experts' gathered
    /// inputs and outputs; plus the logits of the sampled sequences.
    /// </summary>
    private static long AttentionActivations(ModelConfig c, CapacityOptions options, bool experts)
    {
        long heads = c.NumAttentionHeads;
        long mlp = Math.Max(c.FirstKDenseReplace > 0 ? c.IntermediateSize : 0,
            (experts ? (long)c.NumExpertsPerTok : 0) * c.MoeIntermediateSize + (long)c.NSharedExperts * c.MoeIntermediateSize);
        long gathered = experts ? 2L * c.NumExpertsPerTok * c.HiddenSize : 0;
        long perToken = 3L * c.HiddenSize + heads * c.QkHeadDim + c.KvLoraRank + c.QkRopeHeadDim
            + 2 * heads * c.KvLoraRank + heads * c.VHeadDim + 2 * mlp + gathered;
        long logits = (long)Math.Min(options.MaxRunning, options.MaxBatchTokens) * c.VocabSize;
        return (perToken * options.MaxBatchTokens + logits) * sizeof(float);
    }

    /// <summary>An expert worker's step when every (token, expert) pair of a full batch lands on it.</summary>
    private static long ExpertActivations(ModelConfig c, int maxBatchTokens) =>
        (long)maxBatchTokens * c.NumExpertsPerTok * (2L * c.HiddenSize + 2L * c.MoeIntermediateSize) * sizeof(float);

    /// <summary>Weight bytes by form, added tensor by tensor with the loaders' rules.</summary>
    private sealed class Weights(ModelConfig config, string denseForm)
    {
        private readonly Dictionary<string, long> _bytes = new(StringComparer.Ordinal);

        public IReadOnlyDictionary<string, long> ByForm => _bytes.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value);

        /// <summary>Everything but the routed experts: what every attention worker holds.</summary>
        public void AddShared()
        {
            long hidden = config.HiddenSize, heads = config.NumAttentionHeads;
            AddDense(config.VocabSize, hidden);                                   // embed_tokens: as stored, never quantized
            for (int layer = 0; layer < config.NumHiddenLayers; layer++)
            {
                string p = $"model.layers.{layer}";
                AddFloat32(2 * hidden);                                           // input and post-attention norms
                if (config.QLoraRank is int qLora)
                {
                    AddLinear($"{p}.self_attn.q_a_proj", qLora, hidden);
                    AddFloat32(qLora);
                    AddLinear($"{p}.self_attn.q_b_proj", heads * config.QkHeadDim, qLora);
                }
                else
                {
                    AddLinear($"{p}.self_attn.q_proj", heads * config.QkHeadDim, hidden);
                }
                AddLinear($"{p}.self_attn.kv_a_proj_with_mqa", config.KvLoraRank + config.QkRopeHeadDim, hidden);
                AddFloat32(config.KvLoraRank);
                AddPerHead($"{p}.self_attn.kv_b_proj", heads * (config.QkNopeHeadDim + config.VHeadDim), config.KvLoraRank);
                AddLinear($"{p}.self_attn.o_proj", hidden, heads * config.VHeadDim);
                if (!config.IsMoeLayer(layer))
                {
                    AddMlp($"{p}.mlp", config.IntermediateSize);
                    continue;
                }
                AddDense(config.NRoutedExperts, hidden);                           // the router: as stored, never quantized
                if (config.TopkMethod == TopkMethod.NoAuxTc)
                    AddFloat32(config.NRoutedExperts);                            // its e_score_correction_bias
                if (config.NSharedExperts > 0)
                    AddMlp($"{p}.mlp.shared_experts", (long)config.MoeIntermediateSize * config.NSharedExperts);
            }
            AddFloat32(hidden);                                                   // the final norm
            if (!config.TieWordEmbeddings)
                AddLinear("lm_head", config.VocabSize, hidden);
        }

        /// <summary>
        /// K2.5's vision tower and projector, which every attention worker holds: matrices as stored
        /// (dense, never quantized; the patch embedding's kernel as a [hidden, 3·p²] matrix), the
        /// position grid, biases and LayerNorms as float32.
        /// </summary>
        public void AddVision(VisionConfig vision)
        {
            long hidden = vision.HiddenSize, inner = vision.IntermediateSize, merged = vision.MergedWidth;
            AddDense(hidden, vision.PatchInputs);
            AddFloat32(hidden + (long)vision.InitPosEmbHeight * vision.InitPosEmbWidth * hidden);   // its bias; the position grid
            for (int block = 0; block < vision.NumHiddenLayers; block++)
            {
                AddDense(3 * hidden, hidden);                                     // wqkv
                AddDense(hidden, hidden);                                         // wo
                AddDense(inner, hidden);                                          // fc0
                AddDense(hidden, inner);                                          // fc1
                AddFloat32(4 * hidden + 3 * hidden + hidden + inner + hidden);    // two LayerNorms; the four biases
            }
            AddFloat32(2 * hidden);                                               // final LayerNorm
            AddDense(merged, merged);                                             // projector proj.0
            AddDense(vision.TextHiddenSize, merged);                              // projector proj.2
            AddFloat32(2 * hidden + merged + vision.TextHiddenSize);              // pre-norm; the two biases
        }

        /// <summary>The first <paramref name="experts"/> routed experts of every MoE layer.</summary>
        public void AddExperts(int experts)
        {
            for (int layer = 0; layer < config.NumHiddenLayers; layer++)
            {
                if (!config.IsMoeLayer(layer))
                    continue;
                for (int e = 0; e < experts; e++)
                    AddMlp($"model.layers.{layer}.mlp.experts.{e}", config.MoeIntermediateSize);
            }
        }

        private void AddMlp(string prefix, long intermediate)
        {
            AddLinear(prefix + ".gate_proj", intermediate, config.HiddenSize);
            AddLinear(prefix + ".up_proj", intermediate, config.HiddenSize);
            AddLinear(prefix + ".down_proj", config.HiddenSize, intermediate);
        }

        /// <summary>
        /// A Linear layer as stored: INT4 where the scheme covers it (the ignore list decides), FP8
        /// for every decoder-layer Linear of an FP8 checkpoint, else the checkpoint's dense form.
        /// </summary>
        private void AddLinear(string module, long rows, long columns)
        {
            string form = LinearForm(module);
            Add(form, WeightForms.Bytes(form, rows, columns, config.Quantization));
        }

        private string LinearForm(string module)
        {
            var q = config.Quantization;
            return q.Covers(config.TensorPrefix + module) ? WeightForms.Int4
                : q.Scheme == QuantizationScheme.Fp8Block && module.StartsWith("model.layers.", StringComparison.Ordinal) ? WeightForms.Fp8
                : denseForm;
        }

        /// <summary>kv_b_proj, held as its per-head halves: bf16 as stored when stored bf16, else decoded to float32.</summary>
        private void AddPerHead(string module, long rows, long columns)
        {
            if (LinearForm(module) == WeightForms.BFloat16)
                Add(WeightForms.BFloat16, WeightForms.Bytes(WeightForms.BFloat16, rows, columns, config.Quantization));
            else
                AddFloat32(rows * columns);
        }

        private void AddDense(long rows, long columns) => Add(denseForm, WeightForms.Bytes(denseForm, rows, columns, config.Quantization));

        private void AddFloat32(long values) => Add(WeightForms.Float32, values * sizeof(float));

        private void Add(string form, long bytes) => _bytes[form] = _bytes.GetValueOrDefault(form) + bytes;
    }
}
