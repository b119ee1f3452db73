namespace Kimi.Cluster.Model.Configuration;

/// <summary>
/// The text model's hyper-parameters, as Hugging Face config.json names them for
/// DeepSeek-V3, Kimi K2 and Kimi K2.5 (whose text config sits under text_config), and K2.5's
/// vision encoder (<see cref="Vision"/>).
/// </summary>
public sealed record ModelConfig
{
    public string ModelType { get; init; } = "kimi_k2";
    public int VocabSize { get; init; }
    public int HiddenSize { get; init; }
    /// <summary>Width of the dense MLP in the first <see cref="FirstKDenseReplace"/> layers.</summary>
    public int IntermediateSize { get; init; }
    /// <summary>Width of one routed expert (and, times <see cref="NSharedExperts"/>, of the shared expert).</summary>
    public int MoeIntermediateSize { get; init; }
    public int NumHiddenLayers { get; init; }
    public int NumAttentionHeads { get; init; }
    public int NRoutedExperts { get; init; }
    public int NumExpertsPerTok { get; init; }
    public int NSharedExperts { get; init; }
    public int FirstKDenseReplace { get; init; }
    public int MoeLayerFreq { get; init; } = 1;
    /// <summary>Null: queries come from one q_proj instead of q_a_proj → norm → q_b_proj.</summary>
    public int? QLoraRank { get; init; }
    public int KvLoraRank { get; init; }
    public int QkNopeHeadDim { get; init; }
    public int QkRopeHeadDim { get; init; }
    public int VHeadDim { get; init; }
    public double RopeTheta { get; init; } = 10000;
    public RopeScaling? RopeScaling { get; init; }
    public double RoutedScalingFactor { get; init; } = 1;
    public double RmsNormEps { get; init; } = 1e-6;
    public int MaxPositionEmbeddings { get; init; }
    public int NGroup { get; init; } = 1;
    public int TopkGroup { get; init; } = 1;
    public TopkMethod TopkMethod { get; init; } = TopkMethod.NoAuxTc;
    public ScoringFunction ScoringFunc { get; init; } = ScoringFunction.Sigmoid;
    public bool NormTopkProb { get; init; } = true;
    public bool TieWordEmbeddings { get; init; }
    /// <summary>How the checkpoint stores quantized Linear weights (quantization_config).</summary>
    public WeightQuantization Quantization { get; init; } = WeightQuantization.None;
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    /// <summary>Prefix of every text tensor name: "language_model." for K2.5, empty otherwise.</summary>
    public string TensorPrefix { get; init; } = "";
    /// <summary>K2.5's vision encoder and projector; null for text-only models (DeepSeek-V3, K2).</summary>
    public VisionConfig? Vision { get; init; }

    public int QkHeadDim => QkNopeHeadDim + QkRopeHeadDim;

    /// <summary>Whether decoder layer <paramref name="layer"/> has routed experts (else a dense MLP).</summary>
    public bool IsMoeLayer(int layer) =>
        NRoutedExperts > 0 && layer >= FirstKDenseReplace && layer % MoeLayerFreq == 0;

    /// <summary>
    /// Attention softmax scale: 1/sqrt(q head dim), times mscale² under yarn with
    /// mscale_all_dim set, where mscale = 0.1·mscale_all_dim·ln(factor) + 1.
    /// </summary>
    public double SoftmaxScale
    {
        get
        {
            double scale = 1.0 / Math.Sqrt(QkHeadDim);
            if (RopeScaling is { MscaleAllDim: not 0 } yarn)
            {
                double mscale = YarnMscale(yarn.Factor, yarn.MscaleAllDim);
                scale *= mscale * mscale;
            }
            return scale;
        }
    }

    internal static double YarnMscale(double factor, double mscale) =>
        factor <= 1 ? 1.0 : 0.1 * mscale * Math.Log(factor) + 1.0;

    /// <summary>A model small enough to run in tests and on a fresh machine (the built-in model).</summary>
    public static ModelConfig Tiny { get; } = new()
    {
        ModelType = "kimi_k2",
        VocabSize = 512,
        HiddenSize = 64,
        IntermediateSize = 128,
        MoeIntermediateSize = 32,
        NumHiddenLayers = 3,
        NumAttentionHeads = 4,
        NRoutedExperts = 16,
        NumExpertsPerTok = 4,
        NSharedExperts = 1,
        FirstKDenseReplace = 1,
        QLoraRank = 48,
        KvLoraRank = 32,
        QkNopeHeadDim = 16,
        QkRopeHeadDim = 8,
        VHeadDim = 16,
        RopeTheta = 50000,
        RopeScaling = new RopeScaling(Factor: 4, OriginalMaxPositionEmbeddings: 256, BetaFast: 32, BetaSlow: 1, Mscale: 1, MscaleAllDim: 1),
        RoutedScalingFactor = 2.827,
        RmsNormEps = 1e-5,
        MaxPositionEmbeddings = 1024,
        BosTokenId = 1,
        EosTokenIds = [2],
    };

    /// <summary>Kimi K2.5's text model at full size.</summary>
    public static ModelConfig K25 { get; } = new()
    {
        ModelType = "kimi_k2",
        VocabSize = 163840,
        HiddenSize = 7168,
        IntermediateSize = 18432,
        MoeIntermediateSize = 2048,
        NumHiddenLayers = 61,
        NumAttentionHeads = 64,
        NRoutedExperts = 384,
        NumExpertsPerTok = 8,
        NSharedExperts = 1,
        FirstKDenseReplace = 1,
        QLoraRank = 1536,
        KvLoraRank = 512,
        QkNopeHeadDim = 128,
        QkRopeHeadDim = 64,
        VHeadDim = 128,
        RopeTheta = 50000,
        RopeScaling = new RopeScaling(Factor: 64, OriginalMaxPositionEmbeddings: 4096, BetaFast: 32, BetaSlow: 1, Mscale: 1, MscaleAllDim: 1),
        RoutedScalingFactor = 2.827,
        RmsNormEps = 1e-5,
        MaxPositionEmbeddings = 262144,
        BosTokenId = 163584,
        EosTokenIds = [163585],
        TensorPrefix = "language_model.",
        Vision = VisionConfig.K25,
    };
}
