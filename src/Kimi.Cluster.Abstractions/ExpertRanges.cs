using System.Globalization;

namespace Kimi.Cluster.Abstractions;

/// <summary>Writes a set of expert ids for a log line: "0..15, 17, 40..41".</summary>
public static class ExpertRanges
{
    public static string Describe(IEnumerable<int> expertIds)
    {
        ArgumentNullException.ThrowIfNull(expertIds);
        int[] ids = [.. expertIds.Distinct().Order()];
        if (ids.Length == 0)
            return "none";
        var parts = new List<string>();
        for (int start = 0, end; start < ids.Length; start = end)
        {
            for (end = start + 1; end < ids.Length && ids[end] == ids[end - 1] + 1; end++)
            {
            }
            parts.Add(end - start == 1 ? ids[start].ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{ids[start]}..{ids[end - 1]}"));
        }
        return string.Join(", ", parts);
    }
}
