using System.Diagnostics;
using Kimi.Cluster.AttentionWorker.Requests;
using Kimi.Cluster.Kernels;
using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Layers;
using Kimi.Cluster.Model.Exchange;
using Kimi.Cluster.Scheduling;

namespace Kimi.Cluster.AttentionWorker.Generation;

/// <summary>
/// Loads and owns the <see cref="LoadedModel"/> and its <see cref="ContinuousEngine"/> (the paged
/// KV cache): the model the worker serves.
/// </summary>
public sealed partial class EngineBatchGenerator : IBatchGenerator
{
    private readonly LoadedModel _model;
    private readonly ContinuousEngine _continuous;

    private EngineBatchGenerator(LoadedModel model, CacheSize cacheSize, string? modelDirectory)
    {
        _model = model;
        _continuous = new ContinuousEngine(model, cacheSize);
        Model = new ModelDescriptor(
            model.ModelId,
            model.Config.VocabSize,
            model.Config.MaxPositionEmbeddings,
            model.Config.EosTokenIds,
            DateTimeOffset.UtcNow,
            model.IsBuiltIn)
        {
            ResidentWeightBytes = model.Resident.ByForm,
            Constraints = ConstraintCompiler.ForModel(modelDirectory, model.Config.VocabSize),
            AcceptsImages = model.Vision is not null,
        };
    }

    public ModelDescriptor Model { get; }

    /// <summary>
    /// Loads the model directory, or the built-in tiny model (a source without a directory). The
    /// routed experts come from <paramref name="routedExperts"/> (the expert workers), or are loaded
    /// here when it is null. The paged KV cache takes <paramref name="cacheSize"/> (the batching
    /// defaults when null). What the load reads is counted in <paramref name="progress"/>, when given.
    /// </summary>
    public static EngineBatchGenerator Load(
        ModelSource source, ILogger logger, Func<ModelConfig, IRoutedExperts>? routedExperts = null, CacheSize? cacheSize = null,
        LoadProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        LogLoading(logger, source.Directory ?? "built-in tiny model", routedExperts is null ? "in this worker" : "in the expert workers", source.LoadThreads);
        var stopwatch = Stopwatch.StartNew();
        var model = LoadedModel.Open(source, routedExperts, progress);
        EngineBatchGenerator generator;
        try
        {
            generator = new EngineBatchGenerator(model, cacheSize ?? Batching.BatchingOptions.Default.CacheSize, source.Directory);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        var descriptor = generator.Model;
        var (tensors, bytes) = model.CheckpointLoad;
        LogLoaded(logger, descriptor.ModelId, descriptor.VocabSize, descriptor.MaxPositionEmbeddings, tensors, bytes, stopwatch.ElapsedMilliseconds);
        LogResident(logger, model.Resident.ToString(), CpuKernels.Shared.Description);
        if (model.VisionNote is { } note)
            LogNoVision(logger, note);
        else if (model.Vision is { } vision)
            LogVision(logger, vision.Config.NumHiddenLayers, vision.Config.HiddenSize);
        return generator;
    }

    public IStepEngine Engine => _continuous;

    public void Dispose()
    {
        _continuous.Dispose();
        _model.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No vision encoder: {Reason}")]
    private static partial void LogNoVision(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vision encoder loaded ({Layers} layers, hidden {Hidden}): requests may hold images")]
    private static partial void LogVision(ILogger logger, int layers, int hidden);

    [LoggerMessage(Level = LogLevel.Information, Message = "Weights held, by form: {Resident}; {Kernels}")]
    private static partial void LogResident(ILogger logger, string resident, string kernels);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loading model: {Source} (routed experts {Experts}), {Threads} layers at a time")]
    private static partial void LogLoading(ILogger logger, string source, string experts, int threads);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Loaded model {ModelId} (vocab {VocabSize}, context {MaxPositionEmbeddings} tokens): {Tensors} checkpoint tensors, {Bytes} bytes, in {ElapsedMs} ms")]
    private static partial void LogLoaded(ILogger logger, string modelId, int vocabSize, int maxPositionEmbeddings, int tensors, long bytes, long elapsedMs);
}
