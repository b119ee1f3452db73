namespace Kimi.Cluster.Router.Chat;

/// <summary>How a constrained output may begin with reasoning, given the template and thinking mode.</summary>
public enum ReasoningLead
{
    /// <summary>No reasoning: the constrained part starts at once (thinking off, K2-Instruct, a partial message).</summary>
    None,

    /// <summary>The prompt opened &lt;think&gt; (K2.5 thinking): free reasoning until &lt;/think&gt;.</summary>
    Open,

    /// <summary>The model may open &lt;think&gt; itself (K2-Thinking's prompt): optional reasoning.</summary>
    Optional,
}
