using System.Diagnostics;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Layers;

namespace Kimi.Cluster.AttentionWorker.Generation;

/// <summary>Owns the loaded <see cref="InferenceEngine"/> and exposes it as the worker's batch generator.</summary>
public sealed partial class EngineBatchGenerator : IBatchGenerator
{
    private readonly InferenceEngine _engine;

    private EngineBatchGenerator(InferenceEngine engine)
    {
        _engine = engine;
        Model = new ModelDescriptor(
            engine.ModelId,
            engine.Config.VocabSize,
            engine.Config.MaxPositionEmbeddings,
            engine.Config.EosTokenIds,
            DateTimeOffset.UtcNow);
    }

    public ModelDescriptor Model { get; }

    /// <summary>
    /// Loads the model directory, or the built-in tiny model when it is null. The routed experts
    /// come from <paramref name="routedExperts"/> (the expert workers), or are loaded here when it is null.
    /// </summary>
    public static EngineBatchGenerator Load(
        string? modelDirectory, ILogger logger, Func<ModelConfig, IRoutedExperts>? routedExperts = null)
    {
        LogLoading(logger, modelDirectory ?? "built-in tiny model", routedExperts is null ? "in this worker" : "in the expert workers");
        var stopwatch = Stopwatch.StartNew();
        var engine = InferenceEngine.Open(new ModelSource(modelDirectory), routedExperts);
        var generator = new EngineBatchGenerator(engine);
        var model = generator.Model;
        var (tensors, bytes) = engine.CheckpointLoad;
        LogLoaded(logger, model.ModelId, model.VocabSize, model.MaxPositionEmbeddings, tensors, bytes, stopwatch.ElapsedMilliseconds);
        return generator;
    }

    public IReadOnlyList<GenerationResult> Generate(
        IReadOnlyList<GenerationRequest> requests, Action<int, GeneratedToken> onToken) =>
        _engine.Generate(requests, onToken);

    public void Dispose() => _engine.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading model: {Source} (routed experts {Experts})")]
    private static partial void LogLoading(ILogger logger, string source, string experts);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Loaded model {ModelId} (vocab {VocabSize}, context {MaxPositionEmbeddings} tokens): {Tensors} checkpoint tensors, {Bytes} bytes, in {ElapsedMs} ms")]
    private static partial void LogLoaded(ILogger logger, string modelId, int vocabSize, int maxPositionEmbeddings, int tensors, long bytes, long elapsedMs);
}
