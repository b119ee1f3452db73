namespace Kimi.Cluster.Router.Chat;

/// <summary>
/// What tool_choice asks of the model: no calls, calls when it likes, at least one call, or one
/// call of a named function. The last two are forced by constrained decoding.
/// </summary>
public sealed record ToolChoice
{
    private ToolChoice(ToolChoiceMode mode, string? functionName = null) => (Mode, FunctionName) = (mode, functionName);

    public static ToolChoice None { get; } = new(ToolChoiceMode.None);
    public static ToolChoice Auto { get; } = new(ToolChoiceMode.Auto);
    public static ToolChoice Required { get; } = new(ToolChoiceMode.Required);

    public static ToolChoice Function(string name) => new(ToolChoiceMode.Function, name);

    public ToolChoiceMode Mode { get; }

    /// <summary>The function a named tool_choice forces; null otherwise.</summary>
    public string? FunctionName { get; }

    /// <summary>Whether the model's tool calls become tool_calls (else their markup is dropped).</summary>
    public bool ParsesCalls => Mode != ToolChoiceMode.None;

    /// <summary>Whether the output must be tool calls.</summary>
    public bool ForcesCall => Mode is ToolChoiceMode.Required or ToolChoiceMode.Function;
}
