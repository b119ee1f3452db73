using System.Text.Json.Nodes;
using Kimi.Cluster.Bench.Tests.Support;

namespace Kimi.Cluster.Bench.Tests;

/// <summary>A small --shard-bytes splits the checkpoint in files that an index maps completely.</summary>
public sealed class CheckpointShardingTests
{
    [Theory]
    [InlineData("bf16")]
    [InlineData("int4")]
    public async Task SmallShards_HaveAnIndexWhoseWeightMapCoversEveryTensor(string format)
    {
        using var temp = new TempDirectory();
        var files = await CheckpointRun.WriteAsync(temp.Path, [.. TinyModel.Args(temp.Path, format), "--shard-bytes", "64KB"]);

        Assert.True(files.Count > 2, $"{files.Count} files");
        Assert.All(files.Keys, name => Assert.Matches($@"^model-\d{{5}}-of-{files.Count:D5}\.safetensors$", name));
        var index = JsonNode.Parse(await File.ReadAllTextAsync(temp["model.safetensors.index.json"]))!;
        var weightMap = index["weight_map"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);
        Assert.Equal(TinyModel.Expected(format).Keys.Order(), weightMap.Keys.Order());
        foreach (var (name, listing) in files)
        {
            CheckpointLayoutTests.AssertContiguous(listing);
            Assert.All(listing.Tensors, t => Assert.Equal(name, weightMap[t.Name]));
            // A shard holds at most the limit, unless one tensor alone is larger.
            long data = listing.Tensors.Sum(t => t.End - t.Begin);
            Assert.True(data <= 64_000 || listing.Tensors.Count == 1, $"{name}: {data} bytes");
        }
        Assert.Equal(weightMap.Count, files.Values.Sum(l => l.Tensors.Count));
        Assert.Equal(files.Values.Sum(l => l.Tensors.Sum(t => t.End - t.Begin)), (long)index["metadata"]!["total_size"]!);
    }

    [Fact]
    public async Task ATensorsBytes_DependOnTheSeedAndName_NotOnSharding()
    {
        using var one = new TempDirectory();
        using var many = new TempDirectory();
        var single = (await CheckpointRun.WriteAsync(one.Path, TinyModel.Args(one.Path, "bf16")))["model.safetensors"];
        var shards = await CheckpointRun.WriteAsync(many.Path, [.. TinyModel.Args(many.Path, "bf16"), "--shard-bytes", "20000"]);

        foreach (var listing in shards.Values)
        {
            foreach (var tensor in listing.Tensors)
                Assert.Equal(single.ReadData(single[tensor.Name]), listing.ReadData(tensor));
        }
    }
}
