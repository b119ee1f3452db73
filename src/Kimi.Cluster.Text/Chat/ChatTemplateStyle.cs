namespace Kimi.Cluster.Text.Chat;

/// <summary>The chat templates Moonshot has shipped with Kimi K2 models, each rendered byte for byte.</summary>
public enum ChatTemplateStyle
{
    /// <summary>
    /// Kimi-K2-Instruct-0905 (the current K2-Instruct template): no thinking; tools declared as
    /// JSON with spaces (`tools | tojson`) under "# Tools"; role names.
    /// </summary>
    KimiK2Instruct,

    /// <summary>Kimi-K2-Thinking: &lt;think&gt; blocks, history drops reasoning, compact JSON tools.</summary>
    KimiK2Thinking,

    /// <summary>Kimi K2.5: like K2-Thinking, tools declared in TypeScript style, thinking switchable.</summary>
    KimiK25,

    /// <summary>
    /// Kimi-K2-Instruct's first release (July 2025): "You are a helpful assistant", fixed role
    /// names, and only content rendered: no tool calls, no tool-call ids.
    /// </summary>
    KimiK2InstructFirstRelease,

    /// <summary>
    /// Kimi-K2-Instruct's August 2025 revision: 0905's tool calls and tool results, but fixed role
    /// names and no "# Tools" heading.
    /// </summary>
    KimiK2InstructAugust2025,
}
