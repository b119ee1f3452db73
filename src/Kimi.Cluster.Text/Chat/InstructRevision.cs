namespace Kimi.Cluster.Text.Chat;

/// <summary>
/// What sets one revision of Kimi-K2-Instruct's template apart; the writer shares everything else
/// (tool declaration, system prompt rule, &lt;|im_end|&gt; after every message, generation prompt).
/// </summary>
/// <param name="ToolsHeading">Printed between tool_declare's &lt;|im_middle|&gt; and the tools' JSON.</param>
/// <param name="DefaultSystemPrompt">Opens the conversation when its first message is not a system message.</param>
/// <param name="NamesRoles">
/// The header prints `message.get('name') or message['role']`, any role behind &lt;|im_system|&gt;;
/// without it the header prints the role, and a role other than system, user, assistant or tool gets none.
/// </param>
/// <param name="RendersToolTurns">
/// Tool calls and "## Return of {id}" tool results are rendered; without it (the first release)
/// every message prints only its content, and images print without a newline after them.
/// </param>
internal sealed record InstructRevision(string ToolsHeading, string DefaultSystemPrompt, bool NamesRoles, bool RendersToolTurns)
{
    // "\n  # Tools\n  " is the template's own indentation, which no whitespace control removes.
    private static readonly InstructRevision _of0905 = new("\n  # Tools\n  ", KimiChatTemplate.DefaultSystemPrompt, NamesRoles: true, RendersToolTurns: true);
    private static readonly InstructRevision _august2025 = new("", KimiChatTemplate.DefaultSystemPrompt, NamesRoles: false, RendersToolTurns: true);
    private static readonly InstructRevision _firstRelease = new("", "You are a helpful assistant", NamesRoles: false, RendersToolTurns: false);

    /// <summary>The revision a style renders, or null for the thinking styles.</summary>
    public static InstructRevision? Of(ChatTemplateStyle style) => style switch
    {
        ChatTemplateStyle.KimiK2Instruct => _of0905,
        ChatTemplateStyle.KimiK2InstructAugust2025 => _august2025,
        ChatTemplateStyle.KimiK2InstructFirstRelease => _firstRelease,
        _ => null,
    };
}
