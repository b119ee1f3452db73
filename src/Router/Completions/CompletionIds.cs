namespace Kimi.Cluster.Router.Completions;

/// <summary>Mints completion ids and timestamps as OpenAI writes them.</summary>
public static class CompletionIds
{
    public static string New() => "cmpl-" + Guid.NewGuid().ToString("N");

    public static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
