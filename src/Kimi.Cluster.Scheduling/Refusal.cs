namespace Kimi.Cluster.Scheduling;

/// <summary>A refused request: the reason a router maps to a status code, and a message for the client.</summary>
public sealed record Refusal(RefusalReason Reason, string Message)
{
    /// <summary>Whether the same request may succeed later (the queue was only full).</summary>
    public bool IsRetryable => Reason == RefusalReason.QueueFull;
}
