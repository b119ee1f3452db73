using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kimi.Cluster.Model.Configuration.Capacity;

namespace Kimi.Cluster.Router.Planning;

/// <summary>A capacity plan as text for an operator, or as JSON for a script.</summary>
public static class PlanReport
{
    public static string Text(CapacityPlan plan, CapacityOptions options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        var text = new StringBuilder();
        text.AppendLine(plan.Model);
        foreach (var p in plan.Processes)
        {
            text.AppendLine();
            string experts = p.Experts > 0 ? Invariant($" (holds {p.Experts} routed experts a layer)") : "";
            text.AppendLine(Invariant($"{p.Kind} × {p.Count}{experts}"));
            foreach (var (form, bytes) in p.WeightBytesByForm)
                text.AppendLine(Invariant($"  weights {form,-5} {Size(bytes),12}"));
            text.AppendLine(Invariant($"  weights       {Size(p.WeightBytes),12}"));
            if (p.KvBytesPerToken > 0)
            {
                text.AppendLine(Invariant($"  KV cache      {Size(p.KvBytes),12}  ({p.KvBytesPerToken:N0} B a token, float32, × {options.KvCacheTokens:N0} tokens)"));
            }
            text.AppendLine(Invariant($"  activations   {Size(p.ActivationBytes),12}  (one step of {options.MaxBatchTokens:N0} tokens)"));
            text.AppendLine(Invariant($"  total         {Size(p.TotalBytes),12}  each"));
        }
        text.AppendLine();
        text.AppendLine(Invariant($"cluster total   {Size(plan.ClusterBytes),12}"));
        if (plan.CheckpointBytes is long stored)
            text.AppendLine(Invariant($"checkpoint      {Size(stored),12}  (index.json total_size)"));
        return text.ToString();
    }

    public static string Json(CapacityPlan plan, CapacityOptions options)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        var processes = new JsonArray();
        foreach (var p in plan.Processes)
        {
            var forms = new JsonObject();
            foreach (var (form, bytes) in p.WeightBytesByForm)
                forms[form] = bytes;
            processes.Add(new JsonObject
            {
                ["kind"] = p.Kind,
                ["count"] = p.Count,
                ["routed_experts_per_layer"] = p.Experts,
                ["weight_bytes_by_form"] = forms,
                ["weight_bytes"] = p.WeightBytes,
                ["kv_bytes_per_token"] = p.KvBytesPerToken,
                ["kv_cache_tokens"] = p.KvBytesPerToken > 0 ? options.KvCacheTokens : 0,
                ["kv_bytes"] = p.KvBytes,
                ["activation_bytes"] = p.ActivationBytes,
                ["total_bytes"] = p.TotalBytes,
            });
        }
        var root = new JsonObject
        {
            ["model"] = plan.Model,
            ["max_batch_tokens"] = options.MaxBatchTokens,
            ["processes"] = processes,
            ["cluster_total_bytes"] = plan.ClusterBytes,
            ["checkpoint_total_size"] = plan.CheckpointBytes,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static string Size(long bytes) => bytes switch
    {
        >= 1L << 40 => Invariant($"{bytes / (double)(1L << 40):F2} TiB"),
        >= 1L << 30 => Invariant($"{bytes / (double)(1L << 30):F2} GiB"),
        >= 1L << 20 => Invariant($"{bytes / (double)(1L << 20):F1} MiB"),
        _ => Invariant($"{bytes / 1024.0:F1} KiB"),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
