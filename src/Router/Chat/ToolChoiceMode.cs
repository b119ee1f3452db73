namespace Kimi.Cluster.Router.Chat;

/// <summary>tool_choice's four forms.</summary>
public enum ToolChoiceMode
{
    None,
    Auto,
    Required,
    Function,
}
