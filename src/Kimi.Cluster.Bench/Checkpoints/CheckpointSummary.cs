using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kimi.Cluster.Bench.Checkpoints;

/// <summary>
/// What a generated checkpoint holds: parameters, bytes per dtype, and the bytes one decoded token
/// reads at batch 1 (attention, norms, dense MLP, router, shared experts, top-k routed experts,
/// lm_head and one embedding row, as stored). That last number over the memory bandwidth is the
/// floor on the time per output token that a benchmark's ITL is compared with.
/// </summary>
public sealed record CheckpointSummary(
    CheckpointSpec Spec,
    long Parameters,
    int Files,
    long FileBytes,
    IReadOnlyDictionary<string, long> BytesByDtype,
    IReadOnlyDictionary<string, long> TokenBytesByPart,
    long TokenBytes,
    double Seconds)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static CheckpointSummary Of(CheckpointSpec spec, IReadOnlyList<PlannedTensor> tensors, int files, long fileBytes, double seconds)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(tensors);
        var byDtype = tensors.GroupBy(t => t.DType).ToDictionary(g => g.Key, g => g.Sum(t => t.ByteLength));
        var byPart = Enum.GetValues<TensorRole>().ToDictionary(PartName, role => TokenShare(spec, role, tensors.Where(t => t.Role == role).Sum(t => t.ByteLength)));
        return new CheckpointSummary(spec, tensors.Sum(t => t.Parameters), files, fileBytes, byDtype, byPart, byPart.Values.Sum(), seconds);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static CheckpointSummary FromJson(string json) =>
        JsonSerializer.Deserialize<CheckpointSummary>(json, Options) ?? throw new JsonException("the summary file holds null");

    /// <summary>
    /// Of a role's stored bytes, what one token reads: every expert of a layer has the same size, so
    /// top-k of E is exactly k/E of them; one row of the embedding table; all of everything else.
    /// </summary>
    private static long TokenShare(CheckpointSpec spec, TensorRole role, long bytes) => role switch
    {
        TensorRole.RoutedExperts => bytes / spec.Experts * spec.TopK,
        TensorRole.Embedding => bytes / spec.Vocab,
        _ => bytes,
    };

    private static string PartName(TensorRole role) => role switch
    {
        TensorRole.Embedding => "embedding_row",
        TensorRole.Attention => "attention",
        TensorRole.Norm => "norms",
        TensorRole.DenseMlp => "dense_mlp",
        TensorRole.Router => "router",
        TensorRole.SharedExperts => "shared_experts",
        TensorRole.RoutedExperts => "routed_experts_top_k",
        TensorRole.LmHead => "lm_head",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };
}
