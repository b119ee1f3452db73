using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Router.Tests.Support;

/// <summary>
/// A K2.5-layout checkpoint with random weights that speaks Moonshot's real vocabulary: the
/// project's writer for the weights, and the real tiktoken.model, tokenizer_config.json and
/// K2.5 chat_template.jinja from ../shared beside them.
/// </summary>
public static class RealTokenizerModel
{
    public const int VocabSize = 163_840;

    /// <param name="vision">A tiny vision tower and projector to write as well (K2.5's names and vision_config); null: none.</param>
    /// <param name="options">How the weights are drawn (e.g. a peakier lm_head for exact greedy comparisons).</param>
    public static void Write(string directory, int maxPositionEmbeddings, TinyVisionSpec? vision = null, TinyCheckpointOptions? options = null)
    {
        var spec = TinyModelSpec.KimiK25Nested with
        {
            VocabSize = VocabSize, MaxPositionEmbeddings = maxPositionEmbeddings, BosTokenId = 163_584, EosTokenId = 163_586, Vision = vision,
        };
        TinyCheckpointWriter.Write(directory, spec, options ?? TinyCheckpointOptions.Default);
        foreach (string file in new[] { "tiktoken.model", "tokenizer_config.json" })
            File.Copy(SharedFiles.Require("kimi-files", "kimi-vendor-verifier-beam-tokenizer", file), Path.Combine(directory, file));
        File.Copy(SharedFiles.Require("kimi-files", "kimi-k2.5", "chat_template.jinja"), Path.Combine(directory, "chat_template.jinja"));
    }
}
