using System.Text.Json;
using Kimi.Cluster.Bench.Cli;
using Kimi.Cluster.Bench.Tests.Support;

namespace Kimi.Cluster.Bench.Tests;

/// <summary>`checkpoint`'s options, refusals and summary.</summary>
public sealed class CheckpointCommandTests
{
    [Theory]
    [InlineData("--top-k", "9")]
    [InlineData("--qk-rope", "7")]
    [InlineData("--first-dense", "3")]
    [InlineData("--hidden", "0")]
    public async Task Checkpoint_RefusesAnInconsistentShape_BeforeWritingAnything(string option, string value)
    {
        using var temp = new TempDirectory();
        string output = temp["model"];

        string[] args = TinyModel.Args(output, "bf16");
        // Replaced rather than repeated: a repeated option is a parse error, not the refusal under test.
        int at = Array.IndexOf(args, option);
        args = at < 0 ? [.. args, option, value] : [.. args[..(at + 1)], value, .. args[(at + 2)..]];

        Assert.Equal(2, await CheckpointRun.InvokeAsync(args));
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("48")]
    [InlineData("256")]
    public async Task Int4_RefusesAGroupSizeTheServerDoesNotRead(string groupSize)
    {
        using var temp = new TempDirectory();
        Assert.Equal(2, await CheckpointRun.InvokeAsync([.. TinyModel.Args(temp["model"], "int4"), "--group-size", groupSize]));
        Assert.False(Directory.Exists(temp["model"]));
    }

    [Theory]
    [InlineData("--format", "int8")]
    [InlineData("--shard-bytes", "lots")]
    [InlineData("--shard-bytes", "2TB")]
    public void Checkpoint_ReportsAnUnparsableOption(string option, string value)
    {
        var parse = BenchCommand.Create().Parse(["checkpoint", "--output", "m", option, value]);
        Assert.Contains(parse.Errors, error => error.Message.Contains(value, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2GB")]
    [InlineData("4GiB")]
    [InlineData("1.5 MB")]
    [InlineData("1048576")]
    public void ShardBytes_AcceptsCountsWithUnits(string value) =>
        Assert.Empty(BenchCommand.Create().Parse(["checkpoint", "--output", "m", "--shard-bytes", value]).Errors);

    [Fact]
    public void Checkpoint_RequiresAnOutputDirectory() =>
        Assert.NotEmpty(BenchCommand.Create().Parse(["checkpoint"]).Errors);

    [Fact]
    public async Task Checkpoint_RefusesUnlessForcedThenReplacesStaleShards_WhenTheDirectoryIsNotEmpty()
    {
        using var temp = new TempDirectory();
        await File.WriteAllTextAsync(temp["model-00001-of-00009.safetensors"], "stale");

        Assert.Equal(2, await CheckpointRun.InvokeAsync(TinyModel.Args(temp.Path, "bf16")));
        var files = await CheckpointRun.WriteAsync(temp.Path, [.. TinyModel.Args(temp.Path, "bf16"), "--force"]);
        Assert.Equal(["model.safetensors"], files.Keys);
    }

    [Theory]
    [InlineData("bf16")]
    [InlineData("int4")]
    [InlineData("fp8")]
    public async Task Summary_CountsParametersBytesPerDtypeAndWhatOneTokenReads(string format)
    {
        using var temp = new TempDirectory();
        string model = temp["model"], summaryPath = temp["summary.json"];
        var listing = (await CheckpointRun.WriteAsync(model, [.. TinyModel.Args(model, format), "--summary", summaryPath]))["model.safetensors"];
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(summaryPath));
        var root = summary.RootElement;

        // The bf16 model's element count, whatever the format stores.
        long parameters = TinyModel.Expected("bf16").Values.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
        Assert.Equal(parameters, root.GetProperty("parameters").GetInt64());
        foreach (var dtype in listing.Tensors.GroupBy(t => t.DType))
            Assert.Equal(dtype.Sum(t => t.End - t.Begin), root.GetProperty("bytes_by_dtype").GetProperty(dtype.Key).GetInt64());
        Assert.Equal(new FileInfo(listing.Path).Length, root.GetProperty("file_bytes").GetInt64());
        Assert.Equal(TokenBytes(listing), root.GetProperty("token_bytes").GetInt64());
        Assert.Equal(root.GetProperty("token_bytes").GetInt64(), root.GetProperty("token_bytes_by_part").EnumerateObject().Sum(p => p.Value.GetInt64()));
    }

    /// <summary>Top-k of the routed experts, one embedding row, everything else whole.</summary>
    private static long TokenBytes(SafetensorsListing listing) => listing.Tensors.Sum(t =>
        t.Name.Contains(".mlp.experts.", StringComparison.Ordinal) ? (t.End - t.Begin) * TinyModel.TopK / TinyModel.Experts
        : t.Name == "model.embed_tokens.weight" ? (t.End - t.Begin) / TinyModel.Vocab
        : t.End - t.Begin);
}
