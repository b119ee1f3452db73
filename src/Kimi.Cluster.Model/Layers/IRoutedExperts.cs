using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Layers;

/// <summary>
/// The attention→expert boundary (SGLang's dispatch/combine): given each token's hidden state
/// and its chosen experts, return Σₖ weightₖ · Expertₖ(x) per token. In process now; across
/// expert workers later.
/// </summary>
public interface IRoutedExperts : IDisposable
{
    /// <summary>x: [tokens, hidden]; returns [tokens, hidden].</summary>
    Tensor Compute(int layer, Tensor x, ExpertRouting routing);
}
