using System.Text.Json.Nodes;
using Kimi.Cluster.Model.Layers.Vision;
using Kimi.Cluster.Model.Tests.Support;
using Kimi.Cluster.Tests.Shared;
using Kimi.Cluster.Tests.Shared.Reference;
using static TorchSharp.torch;

namespace Kimi.Cluster.Model.Tests.AgainstReference;

/// <summary>
/// The vision encoder against tests/crosscheck/moonvit_reference.py, an independent float64 torch
/// implementation reading the same tiny checkpoint: patch embeddings, every block, the merger and
/// the projector each within 1e-5 of the reference (max |ours − ref| / max |ref| per tensor).
/// Needs Debian's python3-torch; without it these pass, unless KIMI_REQUIRE_TORCH_CROSSCHECK=1 as in CI.
/// </summary>
[Trait("Needs", "Processes")]
public sealed class VisionAgainstTorchTests(TinyVisionModel model) : IClassFixture<TinyVisionModel>
{
    private const double Tolerance = 1e-5;

    public static TheoryData<string> Batches => ["12x10", "8x8,6x12,4x6"];

    /// <summary>
    /// One image larger than the 8×8 position grid; then three in one call: the grid's own size
    /// (no resampling), a non-square one (rows shrunk, columns stretched) and one smaller than the grid.
    /// </summary>
    [Theory]
    [MemberData(nameof(Batches))]
    public async Task EveryStep_MatchesTheTorchReference_ForPackedImages(string grids)
    {
        if (await FindTorchAsync() is not { } python)
            return;
        ImageGrid[] images = [.. grids.Split(',').Select(g => g.Split('x')).Select(g => new ImageGrid(int.Parse(g[0]), int.Parse(g[1])))];
        var pixels = model.Pixels(images, seed: 11);
        using var directory = new TempDirectory("vision-pixels");
        string pixelFile = directory.File("pixels.f32");
        await File.WriteAllBytesAsync(pixelFile, System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray());

        var reference = await RunReferenceAsync(python, pixelFile, grids);
        using var input = tensor(pixels, [pixels.Length / model.Vision.PatchInputs, model.Vision.PatchInputs]);
        using var noGrad = no_grad();
        using var trace = model.Encoder.Trace(new VisionBatch(input, images));

        Compare.RelativeErrorBelow(Rows(reference["patch_embeddings"]!), Compare.ToRows(trace.PatchEmbeddings!), Tolerance, $"{grids} patch embeddings");
        var blocks = reference["blocks"]!.AsArray();
        Assert.Equal(blocks.Count, trace.BlockOutputs.Count);
        for (int b = 0; b < blocks.Count; b++)
            Compare.RelativeErrorBelow(Rows(blocks[b]!), Compare.ToRows(trace.BlockOutputs[b]), Tolerance, $"{grids} block {b}");
        Compare.RelativeErrorBelow(Rows(reference["merged"]!), Compare.ToRows(trace.Merged!), Tolerance, $"{grids} merger");
        Compare.RelativeErrorBelow(Rows(reference["projected"]!), Compare.ToRows(trace.Projected!), Tolerance, $"{grids} projector");
    }

    private async Task<JsonNode> RunReferenceAsync(string python, string pixelFile, string grids)
    {
        var (exitCode, stdout, stderr) = await ExternalProgram.RunAsync(python,
            [ExternalProgram.CrossCheckScript("moonvit_reference.py"), model.Directory, pixelFile, grids],
            ExternalProgram.RepositoryRoot, TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, $"moonvit_reference.py failed: {stderr}");
        return JsonNode.Parse(stdout)!;
    }

    private static double[][] Rows(JsonNode node) =>
        [.. node.AsArray().Select(row => row!.AsArray().Select(v => (double)v!).ToArray())];

    /// <summary>Debian's python3 with torch and numpy; null when missing, a failure when KIMI_REQUIRE_TORCH_CROSSCHECK=1.</summary>
    private static async Task<string?> FindTorchAsync()
    {
        string? python = await ExternalProgram.FindPythonAsync("torch, numpy");
        Assert.True(python is not null || Environment.GetEnvironmentVariable("KIMI_REQUIRE_TORCH_CROSSCHECK") != "1",
            "python3 with torch and numpy is required for the vision cross-check (apt-get install python3-torch python3-numpy)");
        return python;
    }
}
