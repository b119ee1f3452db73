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

    public static void Write(string directory, int maxPositionEmbeddings)
    {
        var spec = TinyModelSpec.KimiK25Nested with
        {
            VocabSize = VocabSize, MaxPositionEmbeddings = maxPositionEmbeddings, BosTokenId = 163_584, EosTokenId = 163_586,
        };
        TinyCheckpointWriter.Write(directory, spec);
        foreach (string file in new[] { "tiktoken.model", "tokenizer_config.json" })
            File.Copy(SharedFiles.Require("kimi-files", "kimi-vendor-verifier-beam-tokenizer", file), Path.Combine(directory, file));
        File.Copy(SharedFiles.Require("kimi-files", "kimi-k2.5", "chat_template.jinja"), Path.Combine(directory, "chat_template.jinja"));
    }
}
