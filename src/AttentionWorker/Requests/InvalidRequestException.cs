namespace Kimi.Cluster.AttentionWorker.Requests;

/// <summary>A request field the worker refuses, named as the proto names it (e.g. max_tokens).</summary>
public sealed class InvalidRequestException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
