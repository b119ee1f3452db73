using Kimi.Cluster.Router.Hosting;
using Kimi.Cluster.Router.Worker;

namespace Kimi.Cluster.Router.Generation;

/// <summary>
/// One kind of OpenAI answer (completion, chat completion) at the two ends of the one pipeline,
/// <see cref="AnswerPipeline"/>: how its request becomes a plan, how each choice's tokens are
/// decoded, and how the results become its response or its stream's chunks.
/// </summary>
public interface IAnswerShape<TRequest, TPlan> where TPlan : IGenerationPlan
{
    /// <summary>Checks the request (ApiException when it is wrong) and plans it (fetching what it refers to, such as images).</summary>
    Task<TPlan> PlanAsync(TRequest request, ServedModel model, RouterLimits limits, CancellationToken cancellation);

    /// <summary>A new answer id ("cmpl-…", "chatcmpl-…").</summary>
    string NewId();

    /// <summary>The decoder of one choice.</summary>
    ChoiceDecoder Decoder(TPlan plan, ServedModel model);

    /// <summary>What a streamed answer sends.</summary>
    IAnswerChunks Chunks(TPlan plan, ServedModel model, string id);

    /// <summary>The whole answer, once every choice has finished.</summary>
    object Answer(TPlan plan, ServedModel model, string id, IReadOnlyList<ChoiceResult> results);
}
