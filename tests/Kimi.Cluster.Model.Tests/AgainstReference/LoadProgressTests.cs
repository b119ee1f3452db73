using Kimi.Cluster.Model.Checkpoints;
using Kimi.Cluster.Model.Configuration;
using Kimi.Cluster.Model.Engine;
using Kimi.Cluster.Model.Exchange;
using Kimi.Cluster.Model.RoutedExperts;
using Kimi.Cluster.Model.Tests.Support;
using Kimi.Cluster.Tests.Shared.Reference;

namespace Kimi.Cluster.Model.Tests.AgainstReference;

/// <summary>
/// A load's planned totals are exactly what it then reads, for every kind of process and
/// checkpoint layout, so its progress ends at 100%; layers loaded in parallel give the same model.
/// </summary>
public sealed class LoadProgressTests
{
    public static TheoryData<string> Layouts => ["K2 bf16, 3 shards", "K2.5 INT4 with vision tensors, 2 shards", "DeepSeek-V3 FP8, 2 shards"];

    private static (TinyModelSpec Spec, TinyCheckpointOptions Options) Layout(string name) => name switch
    {
        "K2 bf16, 3 shards" => (TinyModelSpec.KimiK2Style, new TinyCheckpointOptions { ShardCount = 3 }),
        "K2.5 INT4 with vision tensors, 2 shards" => (TinyModelSpec.KimiK25Nested,
            new TinyCheckpointOptions { ShardCount = 2, Quantization = CheckpointQuantization.Int4Group(32) }),
        "DeepSeek-V3 FP8, 2 shards" => (TinyModelSpec.DeepSeekV3Style,
            new TinyCheckpointOptions { ShardCount = 2, Quantization = CheckpointQuantization.Fp8Block }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Load_ReadsExactlyWhatItPlanned_WhenASingleProcessLoads(string layout)
    {
        using var directory = Write(layout);
        var progress = new LoadProgress();
        using var model = LoadedModel.Open(new ModelSource(directory.Path) { LoadThreads = 3 }, progress: progress);
        var report = progress.Report();
        Assert.Equal((model.CheckpointLoad.Tensors, model.CheckpointLoad.Bytes), (report.TotalTensors, report.TotalBytes));
        Assert.Equal((report.TotalTensors, report.TotalBytes), (report.Tensors, report.Bytes));
        Assert.True(report.IsComplete);
        Assert.Equal(1.0, report.Fraction);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Load_ReadsWhatASingleProcessReads_WhenAttentionAndExpertProcessesLoadTogether(string layout)
    {
        using var directory = Write(layout);
        var source = new ModelSource(directory.Path);
        var (whole, attention, experts) = (new LoadProgress(), new LoadProgress(), new LoadProgress());
        using (LoadedModel.Open(source, progress: whole))
        {
        }
        using var dense = LoadedModel.Open(source, _ => new RemoteRoutedExperts(null!), attention); // never dispatched here
        int count = source.Config.NRoutedExperts;
        using var first = LoadedExperts.Load(source, [.. Enumerable.Range(0, count / 2)], experts);
        using var second = LoadedExperts.Load(source, [.. Enumerable.Range(count / 2, count - count / 2)], experts);

        var (denseReport, expertReport, wholeReport) = (attention.Report(), experts.Report(), whole.Report());
        Assert.True(denseReport.IsComplete && expertReport.IsComplete);
        Assert.Equal(dense.CheckpointLoad, (denseReport.Tensors, denseReport.Bytes));
        Assert.Equal(first.LoadedBytes + second.LoadedBytes, expertReport.Bytes);
        Assert.Equal(first.TensorNames.Count + second.TensorNames.Count, expertReport.TotalTensors);
        Assert.Equal(wholeReport.TotalBytes, denseReport.TotalBytes + expertReport.TotalBytes);
        Assert.Equal(wholeReport.TotalTensors, denseReport.TotalTensors + expertReport.TotalTensors);
    }

    [Fact]
    public void Load_GivesTheSameLogitsAsOneAtATime_WhenLayersLoadInParallel()
    {
        using var directory = Write("K2 bf16, 3 shards");
        using var serial = LoadedModel.Open(new ModelSource(directory.Path) { LoadThreads = 1 });
        using var parallel = LoadedModel.Open(new ModelSource(directory.Path) { LoadThreads = 4 });
        var request = new GenerationRequest([3, 17, 5, 40, 2, 9], new SamplingParams { MaxTokens = 6, Logprobs = 5, Temperature = 0 });
        var one = serial.Generate([request])[0].Tokens;
        var other = parallel.Generate([request])[0].Tokens;
        Assert.Equal(one.Select(t => (t.TokenId, t.Logprob)), other.Select(t => (t.TokenId, t.Logprob)));
        Assert.Equal(one.SelectMany(t => t.TopLogprobs), other.SelectMany(t => t.TopLogprobs));
    }

    [Fact]
    public void Load_FailsWithTheCheckpointErrorItself_WhenALayerFails()
    {
        using var directory = new TempDirectory();
        const string name = "model.layers.2.mlp.experts.3.down_proj.weight";
        TinyCheckpointWriter.WriteWithTensorDropped(directory.Path, TinyModelSpec.KimiK2Style, name, new TinyCheckpointOptions { ShardCount = 3 });
        var error = Assert.Throws<CheckpointException>(() => LoadedModel.Open(new ModelSource(directory.Path) { LoadThreads = 4 }));
        Assert.Contains($"'{name}'", error.Message);
    }

    [Fact]
    public void WeightSelection_PicksTheTextModelOnly()
    {
        var config = ModelConfig.Tiny;
        int moe = Enumerable.Range(0, config.NumHiddenLayers).First(config.IsMoeLayer);
        int beyond = config.NumHiddenLayers; // a multi-token-prediction layer
        var dense = WeightSelection.Dense(config);
        var shard = WeightSelection.Experts(config, [1, 2]);
        Assert.True(dense.Includes("model.embed_tokens.weight"));
        Assert.True(dense.Includes($"model.layers.{moe}.mlp.gate.weight"));
        Assert.True(dense.Includes($"model.layers.{moe}.mlp.shared_experts.up_proj.weight"));
        Assert.False(dense.Includes($"model.layers.{moe}.mlp.experts.1.up_proj.weight"));
        Assert.True(shard.Includes($"model.layers.{moe}.mlp.experts.1.up_proj.weight_packed"));
        Assert.False(shard.Includes($"model.layers.{moe}.mlp.experts.1.up_proj.weight_shape"));
        Assert.False(shard.Includes($"model.layers.{moe}.mlp.experts.3.up_proj.weight"));
        Assert.False(shard.Includes("model.norm.weight"));
        Assert.False(WeightSelection.Whole(config).Includes($"model.layers.{beyond}.self_attn.q_a_proj.weight"));
        Assert.False(WeightSelection.Whole(config).Includes("vision_tower.patch_embed.proj.weight"));
        Assert.False(WeightSelection.Whole(config).Includes("mm_projector.proj.0.weight"));
    }

    private static TempDirectory Write(string layout)
    {
        var (spec, options) = Layout(layout);
        var directory = new TempDirectory();
        TinyCheckpointWriter.Write(directory.Path, spec, options);
        return directory;
    }
}
