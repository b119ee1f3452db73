namespace Kimi.Cluster.Model.Configuration;

/// <summary>How the MoE gate picks experts (topk_method in config.json).</summary>
public enum TopkMethod
{
    /// <summary>Plain top-k over all experts ("greedy").</summary>
    Greedy,
    /// <summary>Groups ranked by their best expert score, then top-k inside the kept groups ("group_limited_greedy").</summary>
    GroupLimitedGreedy,
    /// <summary>Selection by bias-corrected scores, groups ranked by the sum of their top-2 ("noaux_tc", DeepSeek-V3 and Kimi K2).</summary>
    NoAuxTc,
}
